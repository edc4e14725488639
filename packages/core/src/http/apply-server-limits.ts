import { ServerResponse, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';

/** The part of the config the HTTP server's limits come from. */
export type ServerLimitsConfig = Pick<GatewayConfig, 'server'>;

/**
 * Options for `http.createServer(options, app)`: the config's timeouts, plus how
 * often Node checks them. Node checks every 30 s by default, which would let a
 * client that sends nothing hold a socket for up to 30 s past its deadline.
 */
export function serverOptions(config: ServerLimitsConfig): ServerOptions {
  const { headers_timeout_ms: headersTimeout, request_timeout_ms: requestTimeout, keep_alive_timeout_ms: keepAliveTimeout } = config.server;
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((timeout) => timeout > 0));
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout,
    connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(50, Math.min(1000, Math.floor(shortest / 4))) : 30_000,
  };
}

/**
 * Puts the config's limits on a server that already exists (the one an embedding
 * app made): `headersTimeout`, `requestTimeout`, `keepAliveTimeout`, and answers
 * in OpenAI's error shape when Node's HTTP parser refuses a request (400
 * `malformed_request`, 431 `headers_too_large`, 408 `request_timeout`) or an
 * `Expect` header it cannot meet (417 `expectation_failed`) where Node itself
 * would send an empty body, hands a `CONNECT /path` to the app (whose route answers 405 with
 * its `Allow`) and answers a `CONNECT host:port` 405 `method_not_allowed` where Node would
 * close the socket without a word, answers a client that half-closes its connection after
 * a request that said it sends no more (HTTP/1.0, `Connection: close`) where Node would
 * abort it, and sends `100 Continue` only once the body is read
 * (a request refused first is not told to send it), and refuses an HTTP/1.1 request without
 * `Host` in OpenAI's shape (400 `malformed_request`) where Node sends an empty body. Node only checks the timeouts
 * every `connectionsCheckingInterval` (30 s unless the server was made with
 * {@link serverOptions}), so create the server with those when you can:
 *
 * ```ts
 * const server = http.createServer(serverOptions(config), app);
 * applyServerLimits(server, config);
 * ```
 */
export function applyServerLimits(server: Server, config: ServerLimitsConfig): Server {
  const options = serverOptions(config);
  server.headersTimeout = options.headersTimeout!;
  server.requestTimeout = options.requestTimeout!;
  server.keepAliveTimeout = options.keepAliveTimeout!;
  server.on('clientError', answerClientError);
  server.on('checkExpectation', answerExpectation);
  // An embedding app that answers `Expect: 100-continue` itself keeps its own way.
  if (server.listenerCount('checkContinue') === 0) server.on('checkContinue', continueOnFirstRead);
  // Likewise an app that tunnels CONNECT itself.
  if (server.listenerCount('connect') === 0) server.on('connect', refuseConnect);
  server.on('connection', answerAfterHalfClose);
  refuseWithoutHostInShape(server);
  return server;
}

type RequestListener = (this: Server, req: IncomingMessage, res: ServerResponse) => void;

/**
 * An HTTP/1.1 request without `Host`: Node refuses it itself (its `requireHostHeader`) with a
 * 400 whose body is empty, before the app sees it. Here the server's request listeners (the app,
 * attached by `createServer(options, app)`) are put behind a check that refuses it in OpenAI's
 * shape instead. A server with no listener yet, or made with `requireHostHeader: false`, keeps its own way.
 */
function refuseWithoutHostInShape(server: Server & { requireHostHeader?: boolean }): void {
  if (server.requireHostHeader === false || server.listenerCount('request') === 0) return;
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.requireHostHeader = false;
  server.on('request', function requestWithHost(this: Server, req: IncomingMessage, res: ServerResponse) {
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      answerWithoutHost(res);
      return;
    }
    for (const listener of listeners) listener.call(this, req, res);
  });
}

/** 400 `malformed_request`, its body unread: the connection closes. A HEAD's answer carries no body (Node drops it). */
function answerWithoutHost(res: ServerResponse): void {
  const body = JSON.stringify(new GatewayError('malformed_request', 'The request is not valid HTTP (an HTTP/1.1 request must send a Host header).').toBody());
  res.shouldKeepAlive = false;
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/** Node's own flag (set from `createServer`'s options, read when a connection's read side ends). */
type HalfOpenServer = Server & { httpAllowHalfOpen?: boolean };

/**
 * A client that sends its whole request and then shuts down its writing side (a FIN: `nc -N`,
 * `socket.end()` after writing, an HTTP/1.0 client) still reads its answer when it said it
 * sends nothing more: an HTTP/1.0 request, or `Connection: close`. Node takes every FIN for the
 * client leaving (unless the whole server is half-open), aborts the request and closes: such a
 * client read nothing. A FIN on a keep-alive connection, or before its request is whole, is
 * still the client leaving (its call is cancelled at once, as nginx does): the server cannot
 * tell a half-close from a close, and an SDK that gives up closes its keep-alive socket.
 */
function answerAfterHalfClose(this: HalfOpenServer, socket: AnsweringSocket): void {
  const server = this;
  let opened = false;
  // Around Node's own 'end' listener (added as the connection came): the flag is read there, in this same emit.
  socket.prependListener('end', () => {
    const response = socket._httpMessage as (AnsweringSocket['_httpMessage'] & { shouldKeepAlive?: boolean }) | null | undefined;
    if (server.httpAllowHalfOpen || response?.req?.complete !== true || response.shouldKeepAlive !== false) return;
    server.httpAllowHalfOpen = opened = true;
  });
  socket.on('end', () => {
    if (opened) server.httpAllowHalfOpen = opened = false;
  });
}

/**
 * Node's `connect`: unhandled, Node closes the socket without a word. A `CONNECT /path` is
 * handed to the app as any other method is, so the path's route answers 405 with its `Allow`
 * in its dialect's envelope (a path no route has, 404); answered here, every route's 405 named
 * no method. A `CONNECT host:port` (a client taking the gateway for a forward proxy) names no
 * resource of the app: 405 in OpenAI's shape, `Allow` empty (no method goes there).
 * Whatever the client sent past the request's head is not read: the connection closes.
 */
function refuseConnect(this: Server, req: IncomingMessage, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (req.url?.startsWith('/')) answerInApp(this, req, socket as Socket);
  else writeRawAnswer(socket, new GatewayError('method_not_allowed', 'CONNECT is not allowed: the gateway is no forward proxy.'), false, 'allow: \r\n');
}

/** How long an app may take to answer a CONNECT handed to it when the server has no request timeout. */
const connectAnswerTimeoutMs = 60_000;

/** `req` (a CONNECT, its socket Node's no more) answered by the server's app on that socket, which then closes. */
function answerInApp(server: Server, req: IncomingMessage, socket: Socket): void {
  // Node ends no tunnel's request: what follows its head would be the tunnel's. It has no body.
  req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  // Left attached: the socket's close is the response's 'close', which ends the request's context.
  res.once('finish', () => {
    socket.end();
    // A client that never reads must not keep the socket: the answer had its chance.
    socket.once('finish', () => socket.destroy());
  });
  // Node times no request on a socket it handed over: an app that never answers this one
  // (an embedding app's own catch-all) would keep it open, so it is given the request's timeout.
  const unanswered = setTimeout(() => socket.destroy(), server.requestTimeout || connectAnswerTimeoutMs);
  unanswered.unref();
  socket.once('close', () => clearTimeout(unanswered));
  server.emit('request', req, res);
}

/**
 * Node's `checkContinue`: a request that waits for `100 Continue` before sending its body.
 * Unhandled, Node invites every body at once, before the app has looked at the request:
 * a client was told to send 100 MB past the body limit, or a body with no key, only to
 * have it refused. Here the invitation goes out when something first reads the body;
 * a request refused before that (401, 413) is answered without it, and Node closes its
 * connection, since its body may still come.
 */
function continueOnFirstRead(this: Server, req: IncomingMessage, res: ServerResponse): void {
  const readable = req as IncomingMessage & { _read(size: number): void };
  const read = readable._read;
  readable._read = function readInvitingBody(size: number) {
    readable._read = read;
    if (!res.headersSent) res.writeContinue();
    read.call(this, size);
  };
  this.emit('request', req, res);
}

/**
 * Node's `checkExpectation`: an `Expect` other than `100-continue`. Unhandled, Node answers
 * 417 with no body; the request never reaches the app, so it is answered here, its body unread.
 */
function answerExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(new GatewayError('expectation_failed', 'The server meets no expectation but "Expect: 100-continue".').toBody());
  res.shouldKeepAlive = false;
  res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/** A socket's answer in progress, as Node's server keeps it (the next queued one is attached when it finishes). */
type AnsweringSocket = Duplex & { _httpMessage?: (NodeJS.EventEmitter & { headersSent?: boolean; writableFinished?: boolean; req?: { complete?: boolean } }) | null };

/** Sockets whose refusal is written or waiting: the parser may report its error again as more bytes come. */
const refusedSockets = new WeakSet<Duplex>();

/** Node's `clientError`: the request could not be parsed or did not arrive in time. */
function answerClientError(error: NodeJS.ErrnoException, socket: AnsweringSocket): void {
  if (refusedSockets.has(socket)) return;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // An answer already on its way (a timeout while a response is written) cannot be replaced.
    if (socket._httpMessage?.headersSent) socket.destroy();
    else writeRefusal(socket, error);
    return;
  }
  // The parser refused a request pipelined behind others: those were read whole and are
  // being answered (run, and billed). Their answers go first, in order, then the refusal;
  // written at once it cut them off. The socket is still read (the parser refuses what more
  // comes), so a client that leaves meanwhile is seen to.
  refusedSockets.add(socket);
  afterAnswersInProgress(socket, () => (socket.writable ? writeRefusal(socket, error) : socket.destroy()));
}

/** Calls `then` once the socket has no answer in progress: each queued answer is attached as the one before finishes. */
function afterAnswersInProgress(socket: AnsweringSocket, then: () => void): void {
  const response = socket._httpMessage;
  // An answer whose request's body is not all read waits for a body the parser refused: the
  // refusal is in that body, and the rest never comes. Waited for, the connection hung with
  // no answer and past request_timeout (Node stops timing a connection whose parser failed).
  // Refused now; the socket's close then ends the request, whose reader sees it aborted.
  if (response?.req?.complete === false && response.headersSent) {
    // Its answer is on its way (an app that answers before reading the body): it cannot be replaced.
    socket.destroy();
    return;
  }
  if (!response || response.writableFinished || response.req?.complete === false) {
    then();
    return;
  }
  // Node's own 'finish' listener, added first, attaches the next queued answer; look once it
  // has. An answer closed unfinished (its client gone) ends the wait too, once.
  let looked = false;
  const lookAgain = (): void => {
    if (looked) return;
    looked = true;
    process.nextTick(() => (socket.destroyed ? undefined : afterAnswersInProgress(socket, then)));
  };
  response.once('finish', lookAgain);
  response.once('close', lookAgain);
}

function writeRefusal(socket: Duplex, error: NodeJS.ErrnoException): void {
  refusedSockets.add(socket);
  // An answer to HEAD has no body (its client reads none, and takes one for a second answer).
  writeRawAnswer(socket, clientErrorOf(error), isHeadRequest(error));
}

/** `error` written straight on the socket (no response object exists for it), which then closes. */
function writeRawAnswer(socket: Duplex, error: GatewayError, withoutBody: boolean, moreHeaders = ''): void {
  const body = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      moreHeaders +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      (withoutBody ? '' : body),
  );
  // A client that never reads must not keep the socket: the answer had its chance.
  socket.once('finish', () => socket.destroy());
}

/** Whether the request the parser refused began as a HEAD (the bytes it was reading when it gave up). */
function isHeadRequest(error: NodeJS.ErrnoException): boolean {
  const rawPacket = (error as { rawPacket?: unknown }).rawPacket;
  return Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
}

function clientErrorOf(error: NodeJS.ErrnoException): GatewayError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new GatewayError('headers_too_large', 'The request line and headers are larger than the server accepts.');
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError('request_timeout', 'The request was not received in time; send the headers and the body without pausing.');
  }
  // The parser's reason (e.g. "Invalid method encountered") names no client data.
  const parserReason = (error as { reason?: unknown }).reason;
  const reason = typeof parserReason === 'string' ? ` (${parserReason.slice(0, 100)})` : '';
  return new GatewayError('malformed_request', `The request is not valid HTTP${reason}.`);
}
