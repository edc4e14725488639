import type { Context as TraceContext } from '@opentelemetry/api';
import type { ChatRequest } from '../canonical/chat-request.js';
import type { EmbeddingsRequest } from '../canonical/embeddings.js';
import type { ModelInfo } from '../canonical/model-info.js';
import { GatewayError, isGatewayError, toGatewayError, withBilledUsage } from '../errors/gateway-error.js';
import { checkedUsage } from '../canonical/checked-usage.js';
import type { Usage } from '../canonical/usage.js';
import { SecretRedactor } from '../errors/redact-secrets.js';
import { upstreamResponseInfo } from './upstream-response-info.js';
import type { ProviderPlugin } from '../plugin/define-plugin.js';
import type {
  ChatPassthroughAdapter,
  DirectChatOperation,
  DirectEmbeddingsOperation,
  DirectModelsOperation,
  HttpChatAdapter,
  HttpEmbeddingsAdapter,
  HttpModelsAdapter,
  PassthroughDialect,
  PassthroughEvent,
  PassthroughRequest,
  Provider,
  ProviderAdapters,
  ProviderCall,
  UpstreamErrorResponse,
  UpstreamRequest,
  UpstreamResponseInfo,
  UpstreamTimeouts,
} from '../plugin/provider-types.js';
import type { StreamPart } from '../canonical/stream-part.js';
import { checkedDirectAnswer, checkedDirectEmbeddings, checkedDirectPart } from './check-direct-answer.js';
import { CheckedPartDecoder } from './checked-part-decoder.js';
import { DeadlineParts, directCallDeadline } from './direct-call-deadline.js';
import { providerFailure } from './provider-failure.js';
import { PassthroughTap } from './passthrough-tap.js';
import { asksForLogprobs, carriesLogprobs, logprobsDialectOf, scrubWholeLists } from './logprobs-secret-tokens.js';
import { parseUpstreamJson } from '../transport/parse-upstream-json.js';
import { SecretScrubbingParts } from './secret-scrubbing-parts.js';
import type { PartDecoder } from '../transport/upstream-part-stream.js';
import { requireVectorPerInput } from './require-vector-per-input.js';
import { withBillableUsage } from '../pricing/generated-output.js';
import { withBillableEmbeddingsUsage } from '../pricing/billable-embeddings-usage.js';
import { UpstreamPartStream } from '../transport/upstream-part-stream.js';
import { cancellationOf, type CancelSource } from '../transport/attempt-cancel.js';
import { peekFirst } from '../transport/peek-first.js';
import { bodyStart } from '../transport/body-start.js';
import { sentNoticeOf, type SentNotice } from '../transport/upstream-sent.js';
import { parseJsonBodyText, readBodyText, readJsonBody, readUpstreamError } from '../transport/read-upstream-body.js';
import { readRetryAfterHeader } from '../transport/read-retry-after.js';
import { defaultUpstreamTimeouts, type UpstreamResponse, type UpstreamTransport } from '../transport/upstream-transport.js';
import { buildProviderAdapters } from '../plugin/check-plugin-build.js';

/**
 * Turns a provider plugin's pure adapters into a running Provider: HTTP adapters
 * get the shared transport wrapped around them, direct operations are held to the
 * same deadlines. Every error a provider operation ends with, before or during a
 * stream, leaves through providerFailure (redactGatewayError): the one place a
 * provider's words are cleaned of its secrets, after they were decoded.
 */
export function startProvider(id: string, plugin: ProviderPlugin, transport: UpstreamTransport): Provider {
  const adapters = buildProviderAdapters(plugin.name, () => plugin.build());
  const redactor = new SecretRedactor(adapters.secrets ?? []);
  const http: HttpContext = {
    id,
    transport,
    timeouts: { ...defaultUpstreamTimeouts, ...adapters.timeouts },
    redactor,
    mapError: adapters.mapError ?? ((response) => genericUpstreamError(id, response)),
  };
  const provider: Provider = { id, plugin: plugin.name };
  declaredSecrets.set(provider, adapters.secrets ?? []);
  const failure: FailureOf = (error) => providerFailure(error, redactor, id);
  if (adapters.modelsTtlMs !== undefined) provider.modelsTtlMs = adapters.modelsTtlMs;
  const direct: DirectContext = { id, failure, timeouts: http.timeouts, maxDurationMs: transport.bodyLimits.maxDurationMs, shutdown: transport.cutSignal };
  if (adapters.chat) {
    const chat = isDirectChat(adapters.chat) ? directChat(adapters.chat, direct) : httpChat(adapters.chat, http);
    provider.chat = { complete: redacting(chat.complete, failure), stream: redacting(chat.stream, failure) };
    if (!isDirectChat(adapters.chat)) {
      const adapter = adapters.chat;
      const operation = (passthroughAdapter: ChatPassthroughAdapter) => {
        const passthrough = httpPassthrough(adapter, passthroughAdapter, http);
        return { dialect: passthroughAdapter.dialect, complete: redacting(passthrough.complete, failure), stream: redacting(passthrough.stream, failure) };
      };
      if (adapter.passthrough) provider.chat.passthrough = operation(adapter.passthrough);
      if (adapter.passthroughs?.length) provider.chat.passthroughs = adapter.passthroughs.map(operation);
      if (typeof adapter.defaultOutputLimit === 'function') provider.chat.defaultOutputLimit = adapter.defaultOutputLimit.bind(adapter);
    }
  }
  if (adapters.embeddings) {
    const embed = isDirectEmbeddings(adapters.embeddings) ? vectorPerInput(directEmbeddings(adapters.embeddings, direct), id, redactor) : httpEmbeddings(adapters.embeddings, http);
    provider.embeddings = { embed: redacting(embed, failure) };
  }
  if (adapters.models) {
    const models = adapters.models;
    provider.listModels = redacting(isDirectModels(models) ? (signal: AbortSignal) => models.list(signal) : httpModels(models, http), failure);
  }
  return provider;
}

const declaredSecrets = new WeakMap<Provider, readonly string[]>();

/** The credentials a started provider's plugin declared (`secrets`): the gateway blanks them in model names too (redact-model-name.ts). */
export function secretsOfProvider(provider: Provider): readonly string[] {
  return declaredSecrets.get(provider) ?? [];
}

interface HttpContext {
  id: string;
  transport: UpstreamTransport;
  timeouts: UpstreamTimeouts;
  redactor: SecretRedactor;
  mapError: NonNullable<ProviderAdapters['mapError']>;
}

/** Turns whatever a provider operation threw into the GatewayError it ends with (provider-failure.ts). */
type FailureOf = (error: unknown) => GatewayError;

/**
 * The operation with whatever it rejects (or throws) redacted, and a plain error of
 * the plugin's made a GatewayError naming the provider. Every provider operation
 * takes one argument; a plain function chaining one handler made once per
 * operation, rather than an async wrapper with rest arguments, saves an async frame
 * and an array on every call.
 */
function redacting<Arg, Result>(operation: (arg: Arg) => Promise<Result>, failure: FailureOf): (arg: Arg) => Promise<Result> {
  const fail = (error: unknown): never => {
    throw failure(error);
  };
  return (arg) => {
    let result: Promise<Result>;
    try {
      result = Promise.resolve(operation(arg));
    } catch (error) {
      return Promise.reject(failure(error));
    }
    return result.then(undefined, fail);
  };
}

/** A stream whose mid-stream error is made like any other (HTTP streams redact theirs in UpstreamPartStream). */
async function* redactingParts<Part>(parts: AsyncIterable<Part>, failure: FailureOf): AsyncGenerator<Part> {
  try {
    yield* parts;
  } catch (error) {
    throw failure(error);
  }
}

function isDirectChat(chat: HttpChatAdapter | DirectChatOperation): chat is DirectChatOperation {
  return typeof (chat as DirectChatOperation).complete === 'function';
}

function isDirectEmbeddings(op: HttpEmbeddingsAdapter | DirectEmbeddingsOperation): op is DirectEmbeddingsOperation {
  return typeof (op as DirectEmbeddingsOperation).embed === 'function';
}

function isDirectModels(op: HttpModelsAdapter | DirectModelsOperation): op is DirectModelsOperation {
  return typeof (op as DirectModelsOperation).list === 'function';
}

/** What a direct operation is run with: its provider's id, how its failures are made, and the deadlines an HTTP call would have. */
interface DirectContext {
  id: string;
  failure: FailureOf;
  timeouts: UpstreamTimeouts;
  /** `limits.stream_max_duration_ms`. */
  maxDurationMs: number;
  /** Aborted when the gateway's close() cuts the calls still running (the transport's cut signal). */
  shutdown: AbortSignal;
}

/**
 * A direct operation's answers, held to the deadlines of an HTTP call
 * (direct-call-deadline.ts), checked as an upstream's are (check-direct-answer.ts)
 * and billed by the same rule.
 */
function directChat(chat: DirectChatOperation, direct: DirectContext): NonNullable<Provider['chat']> {
  const { id, failure } = direct;
  return {
    complete: async (call) => {
      const answer = await withinDeadline(direct, call, (bounded) => chat.complete(bounded));
      return withBillableUsage(checkedDirectAnswer(answer, id), call.request);
    },
    stream: (call) => {
      const deadline = directCallDeadline(call, direct.timeouts, direct.maxDurationMs, id, direct.shutdown);
      let parts: AsyncIterable<StreamPart>;
      try {
        parts = checkedParts(chat.stream(deadline.callFor(call)), id);
      } catch (error) {
        deadline.end();
        throw error;
      }
      return peekFirst(redactingParts(new DeadlineParts(parts[Symbol.asyncIterator](), deadline), failure));
    },
  };
}

function directEmbeddings(operation: DirectEmbeddingsOperation, direct: DirectContext): DirectEmbeddingsOperation {
  return { embed: (call) => withinDeadline(direct, call, (bounded) => operation.embed(bounded)) };
}

/** One whole answer of a direct operation, within the headers timeout (and the duration bound). */
async function withinDeadline<Request, Answer>(
  direct: DirectContext,
  call: ProviderCall<Request>,
  operation: (call: ProviderCall<Request>) => Promise<Answer>,
): Promise<Answer> {
  const deadline = directCallDeadline(call, direct.timeouts, direct.maxDurationMs, direct.id, direct.shutdown);
  try {
    // Called inside the promise: a plugin that throws at once is a rejection like any other.
    return await deadline.first(new Promise<Answer>((resolve) => resolve(operation(deadline.callFor(call)))));
  } finally {
    deadline.end();
  }
}

/** A direct stream's parts, each checked; a usage part the plugin could not count is left out. */
async function* checkedParts(parts: AsyncIterable<StreamPart>, id: string): AsyncGenerator<StreamPart> {
  if (typeof (parts as Partial<AsyncIterable<StreamPart>> | null)?.[Symbol.asyncIterator] !== 'function') {
    throw new GatewayError('upstream_invalid_response', `The ${id} provider's stream is not an async iterable.`, { provider: id });
  }
  let finished = false;
  for await (const part of parts) {
    const checked = checkedDirectPart(part, id);
    if (!checked) continue;
    if (checked.type === 'finish') finished = true;
    yield checked;
  }
  // An HTTP decoder's end() throws for a stream cut before its final event; a direct stream's only end is its last part.
  if (!finished) throw new GatewayError('upstream_invalid_response', `The ${id} provider's stream ended before its finish.`, { provider: id });
}

function httpChat(adapter: HttpChatAdapter, http: HttpContext): NonNullable<Provider['chat']> {
  return {
    async complete(call: ProviderCall<ChatRequest>) {
      const cancel = cancellationOf(call);
      const response = await send(http, adapter.buildRequest(call.request, call.model, call), cancel, call.traceContext, sentNoticeOf(call));
      if (response.statusCode >= 400) throw await upstreamFailure(http, response);
      // Blanked as the fast path blanks it: an upstream echoing the headers it got puts the key in the answer's text.
      const body = await readJsonBody(response, http.id, cancel, http.redactor);
      const info = upstreamResponseInfo(response, http.redactor, http.id);
      return withBillableUsage(readAnswer(http.id, body, () => adapter.parseResponse(body, info), adapter.readUsage), call.request);
    },
    async stream(call: ProviderCall<ChatRequest>) {
      const cancel = cancellationOf(call);
      const response = await send(http, adapter.buildRequest(call.request, call.model, call), cancel, call.traceContext, sentNoticeOf(call));
      if (response.statusCode >= 400) throw await upstreamFailure(http, response);
      const oneDocument = isJsonAnswer(response, adapter);
      // Not awaited when the content type already answered (the common path).
      if (oneDocument !== false && (await oneDocument)) throw await jsonAnswerToStream(http, response, cancel, (body, info) => adapter.parseResponse(body, info), adapter.readUsage);
      const events = isEventStream(response, adapter);
      if (events !== true && !(await events)) throw notAnEventStream(http, response);
      const { decoder, framer } = streamReaders(response, () => ({
        // Checked part by part: a plugin's decoder is its author's word, as a direct operation's parts are.
        // Its text blanked of the provider's secrets, as a whole answer's is (secret-scrubbing-parts.ts).
        decoder: scrubbed(new CheckedPartDecoder(adapter.createStreamDecoder(upstreamResponseInfo(response, http.redactor, http.id)), http.id), http.redactor),
        framer: adapter.createStreamFramer?.(),
      }));
      return peekFirst(
        new UpstreamPartStream({
          body: response.body,
          decoder,
          provider: http.id,
          signal: cancel,
          redactor: http.redactor,
          guard: response.guard,
          ...(framer && { framer }),
        }),
      );
    },
  };
}

/** The decoder's parts with the provider's secrets blanked in their text; as they are when it declared none. */
function scrubbed(decoder: PartDecoder<StreamPart>, redactor: SecretRedactor): PartDecoder<StreamPart> {
  return redactor.knowsSecrets ? new SecretScrubbingParts(decoder, redactor) : decoder;
}

/**
 * The same-dialect fast path: the client's body out, the upstream's events back as
 * they are, each beside what the adapter's own decoder read from it (or marked
 * unread, when the adapter's tap is lazy: passthrough-tap.ts). The same
 * transport, bounds, redaction and first-event wait as the translated path.
 */
function httpPassthrough(adapter: HttpChatAdapter, passthrough: ChatPassthroughAdapter, http: HttpContext) {
  return {
    async complete(call: ProviderCall<PassthroughRequest>) {
      const cancel = cancellationOf(call);
      const response = await send(http, passthrough.buildRequest(call.request, call.model, call), cancel, call.traceContext, sentNoticeOf(call));
      if (response.statusCode >= 400) throw await upstreamFailure(http, response);
      // Handed on as it came: any field may echo the key, not only an error's.
      const body = http.redactor.knowsSecrets && logprobsDialectOf(passthrough.dialect)
        ? await readAnswerWithLogprobs(response, http, cancel, asksForLogprobs(passthrough.dialect, call.request.body))
        : await readJsonBody(response, http.id, cancel, http.redactor);
      // Read once by the adapter too: it checks the shape and gives the usage and the cache its canonical answer.
      const info = upstreamResponseInfo(response, http.redactor, http.id);
      const parsed = passthrough.parseResponse
        ? readAnswer(http.id, body, () => passthrough.parseResponse!(body, info), passthrough.readUsage)
        : readAnswer(http.id, body, () => adapter.parseResponse(body, info), passthrough.readUsage ?? adapter.readUsage);
      return { body: body as Record<string, unknown>, response: withBillableUsage(parsed, call.request.canonical) };
    },
    async stream(call: ProviderCall<PassthroughRequest>): Promise<AsyncIterable<PassthroughEvent>> {
      const cancel = cancellationOf(call);
      const response = await send(http, passthrough.buildRequest(call.request, call.model, call), cancel, call.traceContext, sentNoticeOf(call));
      if (response.statusCode >= 400) throw await upstreamFailure(http, response);
      const oneDocument = isJsonAnswer(response, adapter);
      if (oneDocument !== false && (await oneDocument)) {
        const parse = passthrough.parseResponse ?? ((body: unknown, info: UpstreamResponseInfo) => adapter.parseResponse(body, info));
        throw await jsonAnswerToStream(http, response, cancel, parse, passthrough.readUsage ?? adapter.readUsage);
      }
      const events = isEventStream(response, adapter);
      if (events !== true && !(await events)) throw notAnEventStream(http, response);
      const info = upstreamResponseInfo(response, http.redactor, http.id);
      const { decoder, framer } = streamReaders(response, () => ({
        decoder: passthrough.createStreamDecoder ? passthrough.createStreamDecoder(info) : adapter.createStreamDecoder(info),
        framer: adapter.createStreamFramer?.(),
      }));
      return peekFirst(
        new UpstreamPartStream<PassthroughEvent>({
          body: response.body,
          decoder: new PassthroughTap(
            decoder,
            passthrough.isContentOnly,
            http.redactor,
            http.redactor.knowsSecrets ? logprobsDialectOf(passthrough.dialect) : undefined,
            asksForLogprobs(passthrough.dialect, call.request.body),
          ),
          provider: http.id,
          signal: cancel,
          redactor: http.redactor,
          guard: response.guard,
          ...(framer && { framer }),
        }),
      );
    },
  };
}

/**
 * A whole answer that may carry logprobs (asked for, or sent unasked: its text says so,
 * carriesLogprobs): each list's tokens blanked as the one text they are
 * (logprobs-secret-tokens.ts) before the body's text is blanked as any answer's, which
 * would have blanked the long pieces of a key split across tokens and left the short ones
 * (and the bytes) as they came. An answer with none is read as any other.
 */
async function readAnswerWithLogprobs(response: UpstreamResponse, http: HttpContext, cancel: CancelSource, asked: boolean): Promise<unknown> {
  const text = await readBodyText(response, http.id, cancel);
  if (!asked && carriesLogprobs(text) === false) return parseJsonBodyText(http.redactor.redactKnown(text), http.id, response.statusCode);
  const body = parseJsonBodyText(text, http.id, response.statusCode);
  return scrubWholeLists(body, http.redactor) ? parseUpstreamJson(http.redactor.redactKnown(JSON.stringify(body))) : parseJsonBodyText(http.redactor.redactKnown(text), http.id, response.statusCode);
}

/**
 * Whether an answer to a stream request is one JSON document, not a stream. Its content
 * type says so first: an event stream's (or any type but JSON) is read as a stream at
 * once, the common path, which pays no look at the body. One labelled JSON (`application/json`,
 * `…+json`) or not labelled at all is judged by how its body begins: events written under a
 * JSON label (a proxy's) are read as events when the adapter reads SSE, an unlabelled `{`
 * or `[` as the document it is; otherwise the label decides.
 */
function isJsonAnswer(response: UpstreamResponse, adapter: Pick<HttpChatAdapter, 'createStreamFramer'>): boolean | Promise<boolean> {
  const type = response.headers['content-type'];
  const labelled = typeof type === 'string' && type.trim() !== '';
  if (labelled && !isJsonMediaType(type)) return false;
  const readsSse = adapter.createStreamFramer === undefined;
  return bodyStart(response.body).then((start) => (start === 'json' ? true : start === 'event-stream' && readsSse ? false : labelled));
}

/**
 * Whether a stream that is not one JSON document is an event stream, for an adapter that
 * reads SSE: its content type says so (the common path, no look at the body), or its body
 * begins as one (a proxy's `text/plain` over events). An HTML page (a wrong base URL, a
 * proxy's error page at 200) read as events held none, and answered "ended before its
 * first chunk", which hid what came. True for an adapter with its own framing.
 */
function isEventStream(response: UpstreamResponse, adapter: Pick<HttpChatAdapter, 'createStreamFramer'>): boolean | Promise<boolean> {
  if (adapter.createStreamFramer !== undefined) return true;
  const type = response.headers['content-type'];
  if (typeof type === 'string' && mediaTypeOf(type) === 'text/event-stream') return true;
  return bodyStart(response.body).then((start) => start === 'event-stream');
}

/** A stream request answered at 2xx with a body that is not an event stream, named by its content type (when it is one); the body let go. */
function notAnEventStream(http: HttpContext, response: UpstreamResponse): GatewayError {
  response.body.destroy();
  const type = response.headers['content-type'];
  const media = typeof type === 'string' ? mediaTypeOf(type) : '';
  // The upstream's word: named only when it is a plain media type, and not too long to be one.
  const named = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(media) ? `${media}` : 'a body';
  return new GatewayError(
    'upstream_invalid_response',
    `The ${http.id} upstream answered a stream request with ${named}, not an event stream (text/event-stream): check the provider's base URL.`,
    { provider: http.id, upstreamStatus: response.statusCode },
  );
}

function mediaTypeOf(type: string): string {
  return type.split(';', 1)[0]!.trim().toLowerCase();
}

function isJsonMediaType(type: string): boolean {
  const media = mediaTypeOf(type);
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/**
 * A stream request answered with one JSON document at 2xx: an error a proxy or an
 * aggregator writes at 200, or a server that ignored `stream: true`. Read as the whole
 * answer is (bounded, redacted): an error inside it is that error, mapped as on the whole
 * path; an answer is a 502 carrying what it says it used, which the provider billed. Read
 * as events, it was "ended before its first chunk": the upstream's error lost, the usage too.
 */
async function jsonAnswerToStream(
  http: HttpContext,
  response: UpstreamResponse,
  cancel: CancelSource,
  parse: (body: unknown, info: UpstreamResponseInfo) => { usage?: unknown },
  readUsage: ((body: unknown) => unknown) | undefined,
): Promise<GatewayError> {
  const body = await readJsonBody(response, http.id, cancel, http.redactor);
  const info = upstreamResponseInfo(response, http.redactor, http.id);
  const answer = readAnswer(http.id, body, () => parse(body, info), readUsage);
  const error = new GatewayError('upstream_invalid_response', `The ${http.id} upstream answered a stream request with one JSON answer, not a stream.`, {
    provider: http.id,
    upstreamStatus: response.statusCode,
  });
  return withBilledUsage(error, readBilledUsage(body, readUsage) ?? checkedUsage(answer.usage));
}

/**
 * The adapter's decoder and framer for a stream that has answered. When making them
 * throws (a plugin's bug), the body is let go: left unread it held the upstream
 * connection until the body timeout (120 s by default), or for good with a
 * keep-alive upstream.
 */
function streamReaders<Readers>(response: UpstreamResponse, make: () => Readers): Readers {
  try {
    return make();
  } catch (error) {
    response.body.destroy();
    throw error;
  }
}

/**
 * The operation whose answer is checked to hold one vector per input (require-vector-per-input.ts),
 * its answer checked first (checkedDirectEmbeddings: its usage whole counts, else the estimate is billed).
 */
function vectorPerInput(operation: DirectEmbeddingsOperation, id: string, redactor: SecretRedactor): DirectEmbeddingsOperation['embed'] {
  return async (call) => {
    const answer = requireVectorPerInput(checkedDirectEmbeddings(await operation.embed(call), id, call.request.encodingFormat === 'base64'), call.request, id);
    return withBillableEmbeddingsUsage(withModelBlanked(answer, redactor), call.request);
  };
}

/** Checked for a vector per input before a missing count is estimated: a failure is billed only the upstream's count. */
function httpEmbeddings(adapter: HttpEmbeddingsAdapter, http: HttpContext): DirectEmbeddingsOperation['embed'] {
  return async (call: ProviderCall<EmbeddingsRequest>) => {
    const cancel = cancellationOf(call);
    const response = await send(http, adapter.buildRequest(call.request, call.model, call), cancel, call.traceContext, sentNoticeOf(call));
    if (response.statusCode >= 400) throw await upstreamFailure(http, response);
    const body = await readJsonBody(response, http.id, cancel);
    const info = upstreamResponseInfo(response, http.redactor, http.id);
    const answer = readAnswer(http.id, body, () => adapter.parseResponse(body, info, call), adapter.readUsage);
    return withBillableEmbeddingsUsage(withModelBlanked(requireVectorPerInput(answer, call.request, http.id), http.redactor), call.request);
  };
}

/**
 * An embeddings answer with its model blanked of the provider's secrets, as a whole chat
 * answer's text is (readJsonBody): it is the one upstream text the answer hands on to the
 * client, the cache, the spans and the records; its other strings are base64 of whole
 * float32s, and what else the upstream wrote (`object`, extra fields) is not passed on.
 * Read after parsing, so a key JSON-escaped in the body (`\u0073k-…`, `\/`) is plain
 * here, and the body (vectors, megabytes of them) is not scanned: one short text per answer.
 */
function withModelBlanked<Answer extends { model: string }>(answer: Answer, redactor: SecretRedactor): Answer {
  // A direct operation's answer is checked for its vectors, not its model's type.
  if (typeof answer.model !== 'string') return answer;
  const model = redactor.redactKnown(answer.model);
  if (model !== answer.model) answer.model = model;
  return answer;
}

/** At most this many pages of a model list are read; a provider with more is misbehaving. */
const maxModelPages = 20;

function httpModels(adapter: HttpModelsAdapter, http: HttpContext) {
  return async (signal: AbortSignal) => {
    const models: ModelInfo[] = [];
    let request: UpstreamRequest | undefined = adapter.buildRequest();
    for (let page = 0; request && page < maxModelPages; page++) {
      const response = await send(http, request, signal);
      if (response.statusCode >= 400) throw await upstreamFailure(http, response);
      // Blanked as a chat answer is: a proxy may list what it was sent, and the list reaches every client and the metric labels.
      const body = await readJsonBody(response, http.id, signal, http.redactor);
      models.push(...adapter.parseResponse(body));
      request = adapter.nextPageRequest?.(body);
    }
    return models;
  };
}

/**
 * Sends one request through the shared transport. Not async, and the status is
 * checked by the caller (`upstreamFailure`): a wrapper awaiting the send would cost
 * an async frame and a promise more on every call.
 */
function send(http: HttpContext, request: UpstreamRequest, signal: CancelSource, traceContext?: TraceContext, sent?: SentNotice): Promise<UpstreamResponse> {
  return http.transport.send(request, signal, http.timeouts, http.id, traceContext, sent);
}

/** The mapped error of an answer whose status is 400 or more, its body read first. */
async function upstreamFailure(http: HttpContext, response: UpstreamResponse): Promise<GatewayError> {
  const failure = await readUpstreamError(response);
  try {
    return http.mapError(failure);
  } catch (error) {
    // A mapError that throws (a plugin reading the body with JSON.parse) was a 500 internal_error: the status still says what happened.
    return isGatewayError(error) ? toGatewayError(error) : genericUpstreamError(http.id, failure);
  }
}

/**
 * An adapter's reading of a whole answer. What it throws that is not a GatewayError
 * (a TypeError of a plugin meeting a shape it did not expect) is an answer that could
 * not be read, a 502 upstream_invalid_response as a stream event is
 * (mapStreamDecodeError), not a 500 internal_error; its words stay in the cause. The
 * usage such an answer reports (`readUsage`) goes with the error: the provider billed
 * it, whatever deployment answers next.
 */
function readAnswer<Answer>(provider: string, body: unknown, parse: () => Answer, readUsage: ((body: unknown) => unknown) | undefined): Answer {
  try {
    return parse();
  } catch (error) {
    const failure = isGatewayError(error)
      ? toGatewayError(error)
      : new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an answer the gateway could not read.`, { provider, cause: error });
    throw withBilledUsage(failure, readBilledUsage(body, readUsage));
  }
}

/** What a refused answer says it used, in whole counts; undefined when it says nothing readable (or the reader throws). */
function readBilledUsage(body: unknown, readUsage: ((body: unknown) => unknown) | undefined): Usage | undefined {
  if (!readUsage) return undefined;
  try {
    return checkedUsage(readUsage(body));
  } catch {
    return undefined;
  }
}

/** The fallback mapping by status alone, for adapters that bring none of their own. */
export function genericUpstreamError(provider: string, response: UpstreamErrorResponse): GatewayError {
  const options = { provider, upstreamStatus: response.status };
  // A retryable answer's Retry-After says when to come back: passed on to the client and the route step.
  const retryAfterSeconds = readRetryAfterHeader(response.headers['retry-after']);
  const retryable = retryAfterSeconds === undefined ? options : { ...options, retryAfterSeconds };
  const status = response.status;
  if (status === 401) return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
  // 402 Payment Required: the gateway's account is out of credit (OpenRouter); another deployment may serve.
  if (status === 402) return new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account cannot be billed.`, options);
  if (status === 403) return new GatewayError('upstream_permission_denied', `${provider} denied access.`, options);
  if (status === 404) return new GatewayError('upstream_not_found', `${provider} does not know this model or endpoint.`, options);
  if (status === 413) return new GatewayError('upstream_request_too_large', `${provider}: the request is larger than the upstream accepts.`, options);
  // 504: a gateway timeout (the provider's or a proxy's in front of it) is a timeout, not a server failure.
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', `${provider} timed out.`, retryable);
  if (status === 429) return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, retryable);
  if (status === 503 || status === 529) return new GatewayError('upstream_overloaded', `${provider} is overloaded.`, retryable);
  if (status >= 500) return new GatewayError('upstream_server_error', `${provider} failed with status ${status}.`, retryable);
  return new GatewayError('upstream_bad_request', `${provider} refused the request (status ${status}).`, options);
}
