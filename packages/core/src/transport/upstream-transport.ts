import { setMaxListeners } from 'node:events';
import { maxHeaderSize } from 'node:http';
import type { Context as TraceContext } from '@opentelemetry/api';
import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { UpstreamRequest, UpstreamTimeouts } from '../plugin/provider-types.js';
import { withTraceHeaders } from '../tracing/with-trace-headers.js';
import type { CancelSource } from './attempt-cancel.js';
import { switchedProtocols } from './switched-protocols.js';
import { UpstreamBodyGuard, type UpstreamBodyLimits } from './upstream-body-guard.js';
import { UpstreamCall, type UpstreamResponse } from './upstream-call.js';
import { UpstreamLookup, UpstreamLookupTimeout, lookupTimeoutFor, type ResolveHostname } from './upstream-lookup.js';
import type { SentNotice } from './upstream-sent.js';
import { Pool, undiciErrors } from './undici-pool.js';

export const defaultUpstreamTimeouts: UpstreamTimeouts = {
  connectMs: 10_000,
  headersMs: 120_000,
  bodyMs: 120_000,
};

export interface UpstreamTransportOptions {
  /** Most connections open per upstream origin (and connect timeout), `limits.upstream_connections_per_origin`; 128 when absent. */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs?: number;
  /** Bounds on every answer (`limits.stream_max_bytes`, `limits.stream_max_duration_ms`); 256 MiB and 30 minutes when absent. */
  bodyLimits?: Partial<UpstreamBodyLimits>;
  /** How upstream host names are resolved (upstream-lookup.ts); `dns.lookup` when absent. */
  resolveHostname?: ResolveHostname;
}

export type { UpstreamResponse } from './upstream-call.js';

/** The bounds of `limits.stream_max_bytes` and `limits.stream_max_duration_ms` when a transport is built without them. */
export const defaultUpstreamBodyLimits: UpstreamBodyLimits = { maxBytes: 256 * 1024 * 1024, maxDurationMs: 30 * 60 * 1000 };

/**
 * The gateway's only way out to providers: one undici pool per origin with
 * keep-alive, timeouts on every phase, and cancellation through an AbortSignal (or an AttemptCancel).
 */
export class UpstreamTransport {
  /** By origin, then by connect timeout: two lookups, no key string built per call. */
  private readonly pools = new Map<string, Map<number, Pool>>();
  private closed = false;
  private readonly cutting = new AbortController();
  /** Calls answered (timed out, their client gone) while still queued for a connection. */
  private readonly abandoned = new Set<UpstreamCall>();
  /** The bounds every answer is held to; direct operations get the duration bound too. */
  readonly bodyLimits: UpstreamBodyLimits;
  /** Every pool's host names: one cache and one bound on lookups in flight for the process's upstreams. */
  private readonly lookup: UpstreamLookup;

  constructor(private readonly options: UpstreamTransportOptions = {}) {
    this.bodyLimits = { ...defaultUpstreamBodyLimits, ...options.bodyLimits };
    this.lookup = new UpstreamLookup(options.resolveHostname ? { resolve: options.resolveHostname } : {});
    // Every direct call in flight listens here until it ends (direct-call-deadline.ts): past ten at
    // once, Node's default bound printed a MaxListenersExceededWarning ("possible memory leak") under load.
    setMaxListeners(0, this.cutting.signal);
  }

  /**
   * Aborted, its reason a `shutting_down` GatewayError, when close() cuts the calls in flight:
   * the calls a provider plugin makes itself (direct-call-deadline.ts) are cut by it as the
   * transport's own are.
   */
  get cutSignal(): AbortSignal {
    return this.cutting.signal;
  }

  /**
   * Sends one request. `traceContext` (the attempt's span; the active context when
   * absent) goes upstream as W3C `traceparent` through the registered propagator.
   * `sent` is told once the request is written on a connected socket (upstream-sent.ts).
   */
  async send(
    request: UpstreamRequest,
    signal: CancelSource,
    timeouts: UpstreamTimeouts,
    provider: string,
    traceContext?: TraceContext,
    sent?: SentNotice,
  ): Promise<UpstreamResponse> {
    const pool = this.poolFor(request.origin, timeouts.connectMs);
    const guard = new UpstreamBodyGuard(this.bodyLimits, provider, signal);
    const call = new UpstreamCall(guard, this.abandoned, sent, provider);
    pool.dispatch(
      {
        path: request.path,
        method: request.method,
        headers: withIdentityEncoding(withTraceHeaders(request.headers, traceContext)),
        body: request.body ?? null,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      },
      call,
    );
    call.boundQueueWait(timeouts.headersMs, provider);
    let response: UpstreamResponse;
    try {
      response = await call.response;
    } catch (error) {
      guard.release();
      throw guard.error ?? mapTransportError(error, provider, signal);
    }
    const coding = response.unreadableCoding;
    if (coding !== undefined && response.statusCode < 400) {
      // Bytes in a coding the gateway cannot decompress read as JSON or events were "not JSON"
      // or "ended before its first chunk", which hid the cause; an error body is still mapped by its status.
      response.body.destroy();
      throw new GatewayError(
        'upstream_invalid_response',
        `The ${provider} upstream sent a ${coding}-encoded answer; the gateway asks for uncompressed ones and decompresses only gzip, deflate and br.`,
        { provider, upstreamStatus: response.statusCode },
      );
    }
    const status = response.statusCode;
    if (status >= 300 && status < 400) {
      // Not followed: the target may be another host, and the request carries the provider's
      // credentials. Nor is the redirect's body the answer: read as one, a proxy's 3xx carrying
      // a cached answer was served as a 200, an empty one reported as "answered without a choice".
      // The target is the upstream's word (it may hold a token in its query): not repeated.
      response.body.destroy();
      throw new GatewayError(
        'upstream_invalid_response',
        `The ${provider} upstream answered with a redirect (${status}), which the gateway does not follow: check the provider's base URL or endpoint.`,
        { provider, upstreamStatus: status },
      );
    }
    return response;
  }

  /**
   * Closes every pool: gracefully, letting calls in flight finish, or with `force`
   * (the shutdown deadline passed) by destroying them, which fails those calls. A
   * graceful close waited for an upstream that never answers, up to its headers or
   * body timeout (120 s by default) or for good, and with it the embedding app's
   * `gateway.close()`.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()].flatMap((byTimeout) => [...byTimeout.values()]);
    this.pools.clear();
    // The calls cut fail with why: the gateway is shutting down. A stream cut so ended in an
    // in-stream `upstream_invalid_response`, "the upstream's connection ended", blaming the upstream.
    const shuttingDown = () => new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.');
    if (options.force) this.cutting.abort(shuttingDown());
    // A graceful close waits for every queued request, those nobody waits for any more too.
    const destroy = options.force || this.abandoned.size > 0;
    await Promise.all(pools.map((pool) => (destroy ? pool.destroy(shuttingDown()) : pool.close().catch(() => pool.destroy(shuttingDown())))));
  }

  /**
   * The pool for an origin and a connect timeout. A pool's connect timeout is fixed when it is
   * made, so providers sharing a host with different `timeouts.connect_ms` get a pool each: one
   * per origin held every later provider there to the first one's timeout (a provider of 200 ms
   * waited 60 s behind one of 60 s).
   */
  private poolFor(origin: string, connectTimeoutMs: number): Pool {
    let byTimeout = this.pools.get(origin);
    let pool = byTimeout?.get(connectTimeoutMs);
    if (!pool) {
      if (this.closed) throw new GatewayError('shutting_down', 'The gateway is shutting down.');
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin ?? 128,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        connect: { timeout: connectTimeoutMs, lookup: this.lookup.forConnect(lookupTimeoutFor(connectTimeoutMs)) },
      });
      if (!byTimeout) this.pools.set(origin, (byTimeout = new Map()));
      byTimeout.set(connectTimeoutMs, pool);
    }
    return pool;
  }
}

/**
 * The headers with `accept-encoding: identity` unless the adapter named a coding: without
 * the header any coding is acceptable (RFC 9110), and a proxy in front of a provider may
 * then compress an answer the gateway reads as it comes.
 */
function withIdentityEncoding(headers: Record<string, string>): Record<string, string> {
  return 'accept-encoding' in headers ? headers : { ...headers, 'accept-encoding': 'identity' };
}

/** undici's bound on an answer's head: Node's `maxHeaderSize` (16 KiB unless `--max-http-header-size`). */
const maxHeaderKib = Math.round(maxHeaderSize / 1024);

/** Maps undici and socket failures onto the catalogue; the client's own abort stays an abort. */
export function mapTransportError(error: unknown, provider: string, signal?: CancelSource): GatewayError {
  if (isGatewayError(error)) return toGatewayError(error);
  if (signal?.aborted) {
    return new GatewayError('client_closed_request', 'The client closed the connection.', { provider, cause: error });
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new GatewayError('upstream_timeout', `The ${provider} upstream did not answer in time.`, {
      provider,
      cause: error,
    });
  }
  // Retryable and counted by the circuit breaker as any failure to connect; the host is the
  // config's, so naming it tells an operator which name their resolver does not answer.
  if (error instanceof UpstreamLookupTimeout) {
    return new GatewayError('upstream_unreachable', `Could not reach the ${provider} upstream: ${error.message}.`, { provider, cause: error });
  }
  // undici refuses a request it cannot write (a header value holding CR LF, NUL or non-Latin
  // text) before any byte is sent: a flaw in what the gateway or a plugin built, often from a
  // client's value. As the upstream's `upstream_unreachable` it was retried and counted by the
  // circuit breaker, so a client could open a healthy deployment's circuit for everyone.
  if (error instanceof undiciErrors.InvalidArgumentError) {
    return new GatewayError('internal_error', `The request to the ${provider} upstream could not be written.`, { provider, cause: error });
  }
  // The upstream was reached and answered, but its head could not be read: headers past
  // undici's bound (16 KiB, Node's maxHeaderSize) or bytes that are not HTTP. An unreadable
  // answer, as a body that is not JSON is; "could not reach" sent operators to the network.
  if (error instanceof undiciErrors.HeadersOverflowError) {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with headers larger than the gateway reads (${maxHeaderKib} KiB).`, { provider, cause: error });
  }
  // Two content-length headers that disagree, or one its body does not keep to.
  if (error instanceof undiciErrors.ResponseContentLengthMismatchError) {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with a body that does not match its content-length.`, { provider, cause: error });
  }
  if (error instanceof undiciErrors.HTTPParserError) {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with something that is not valid HTTP.`, { provider, cause: error });
  }
  // A head undici refuses, said by its words alone: a 101 with the upgrade headers, switching to
  // a protocol the request did not ask for; a 100 Continue it did not ask for, or an answer to no request.
  if (error instanceof undiciErrors.SocketError && error.message === 'bad upgrade') return switchedProtocols(provider, error);
  if (error instanceof undiciErrors.SocketError && error.message === 'bad response') {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with a head the gateway did not ask for (a 100 Continue).`, { provider, cause: error });
  }
  return new GatewayError('upstream_unreachable', `Could not reach the ${provider} upstream.`, {
    provider,
    cause: error,
  });
}
