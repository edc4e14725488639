import type { Request, Response } from 'express';
import type { StreamPart } from '../canonical/stream-part.js';
import { GatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { GatewayRuntime } from '../gateway/gateway-runtime.js';
import { costHeaderWriter, type CostHeaderWriter } from '../http/cost-header.js';
import { sendJson } from '../http/send-json.js';
import { toHeaderValue } from '../http/to-header-value.js';
import { redactModelName } from '../errors/redact-model-name.js';
import { SseWriter } from '../http/sse-writer.js';
import { readyBatches } from '../transport/ready-batches.js';
import type { DialectPassthrough, SseEvent, StreamEncoderOptions } from '../ingress/ingress-dialect.js';
import { readAnthropicClientHeaders } from '../ingress/anthropic/read-anthropic-client-headers.js';
import { formatAnthropicModelPage, isAnthropicClient, toAnthropicModelInfo } from '../ingress/anthropic/format-anthropic-models.js';
import { isModelName } from '../ingress/check-model-name.js';
import type { PassthroughEvent, PassthroughRequest } from '../plugin/provider-types.js';
import { formatEmbeddingsResponse } from '../ingress/openai/embeddings.js';
import { openAIChatDialect } from '../ingress/openai/openai-chat-dialect.js';
import { definePlugin } from '../plugin/define-plugin.js';
import { composeInterceptors, composeRoutedCall, providerDispatch } from './dispatch.js';
import { matchesModelPattern } from './model-pattern.js';
import { StreamPartTap } from './stream-part-tap.js';
import { isEstimatedUsage } from '../pricing/estimated-usage.js';
import { withOutputLimit } from './passthrough-output-limit.js';
import { getContext, type ProviderResult, type RequestContext } from './request-context.js';

const noEvents: readonly never[] = [];

/**
 * The last step: composes the interceptors other steps registered around the
 * provider call, runs it, and writes the answer in the client's format.
 */
export const adapterStep = definePlugin<Record<string, never>>({
  name: 'adapter',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: (_options, runtime) => {
    // Decided once: the hot path makes no closure per request.
    const setCostHeader = costHeaderWriter(runtime);
    const maxStreamDurationMs = runtime.config.limits.stream_max_duration_ms;
    const clientStallMs = runtime.config.limits.client_stall_ms;
    const fastPath = runtime.config.server.fast_path;
    return async (req: Request, res: Response) => {
      const context = getContext(res);
      if (context.endpoint === 'models') {
        await sendModels(runtime, req, res);
        return;
      }
      const passthrough = fastPath ? passthroughRequest(req, context) : undefined;
      const attempt = composeInterceptors(context, providerDispatch(runtime, context, passthrough));
      let result: ProviderResult;
      try {
        result = await composeRoutedCall(context, attempt)();
      } finally {
        setRoutingHeaders(res, context);
      }
      await writeResult(result, context, req, res, setCostHeader, maxStreamDurationMs, clientStallMs);
    };
  },
});

async function writeResult(
  result: ProviderResult,
  context: RequestContext,
  req: Request,
  res: Response,
  setCostHeader: CostHeaderWriter,
  maxStreamDurationMs: number,
  clientStallMs: number,
): Promise<void> {
  const modelPrefix = `${context.servedBy!.provider}/`;
  switch (result.kind) {
    case 'chat-response': {
      context.usage = result.response.usage;
      context.usageEstimated = isEstimatedUsage(context.usage);
      context.firstByteMs = performance.now() - context.startedAt;
      setCostHeader(res, context);
      // Some providers (Bedrock) do not name the model in their answer: the deployment's id stands in.
      const dialect = context.dialect ?? openAIChatDialect;
      const body = dialect.formatResponse(result.response, modelPrefix + (result.response.model || context.servedBy!.model), context.chatRequest);
      if (dialect.beforeLastWrite) await dialect.beforeLastWrite();
      sendJson(res, 200, body);
      return;
    }
    case 'embeddings':
      context.usage = { inputTokens: result.response.usage.inputTokens, outputTokens: 0 };
      context.usageEstimated = isEstimatedUsage(result.response.usage);
      context.firstByteMs = performance.now() - context.startedAt;
      setCostHeader(res, context);
      sendJson(res, 200, formatEmbeddingsResponse(result.response, modelPrefix + (result.response.model || context.servedBy!.model), embeddingsEncoding(req)));
      return;
    case 'chat-stream':
      await writeStream(result.parts, context, res, modelPrefix, maxStreamDurationMs, clientStallMs);
      return;
    case 'chat-passthrough': {
      context.usage = result.response.usage;
      context.usageEstimated = isEstimatedUsage(context.usage);
      context.firstByteMs = performance.now() - context.startedAt;
      setCostHeader(res, context);
      const model = modelPrefix + (result.response.model || context.servedBy!.model);
      const body = passthroughOf(context).formatResponse(result.body, result.response, model);
      // As on the translated path: a stored answer is saved before the client can continue from it.
      const beforeLastWrite = context.dialect?.beforeLastWrite;
      if (beforeLastWrite) await beforeLastWrite();
      sendJson(res, 200, body);
      return;
    }
    case 'chat-passthrough-stream':
      await writePassthroughStream(result.events, context, res, modelPrefix, maxStreamDurationMs, clientStallMs);
  }
}

/** The client's body for the fast path, when its dialect has one; the attempt decides whether to take it. */
function passthroughRequest(req: Request, context: RequestContext): PassthroughRequest | undefined {
  if (context.endpoint !== 'chat' && context.endpoint !== 'messages' && context.endpoint !== 'responses') return undefined;
  const passthrough = (context.dialect ?? openAIChatDialect).passthrough;
  if (!passthrough) return undefined;
  const body = (context.passthroughBody ?? req.body) as unknown;
  const canonical = context.chatRequest;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !canonical) return undefined;
  const sent = withOutputLimit(body as Record<string, unknown>, passthrough.name, canonical);
  return { body: sent, headers: context.endpoint === 'messages' ? readAnthropicClientHeaders(req, context) : {}, canonical };
}

function passthroughOf(context: RequestContext): DialectPassthrough {
  const passthrough = (context.dialect ?? openAIChatDialect).passthrough;
  // The dispatch takes the fast path only for a dialect that has one.
  if (!passthrough) throw new GatewayError('internal_error', 'A fast-path answer came for a dialect without a fast path.');
  return passthrough;
}

/**
 * How long after `limits.stream_max_duration_ms` a client that stopped reading may
 * keep its stream (10 s, or the limit itself when that is shorter): the upstream is
 * cut at the limit and its error event queued; a client that has not taken it by
 * then is disconnected.
 */
const slowClientGraceMs = 10_000;

/** Writes one kind of upstream stream item (a canonical part, or a fast-path event) as the client's events. */
interface ItemStreamEncoder<Item> {
  encode(item: Item): readonly SseEvent[];
  finish(): readonly SseEvent[];
  fail(error: GatewayError): SseEvent;
}

const tapPart = (tap: StreamPartTap, part: StreamPart): void => tap.addPart(part);
const tapEvent = (tap: StreamPartTap, event: PassthroughEvent): void => tap.addEvent(event);

function writeStream(parts: AsyncIterable<StreamPart>, context: RequestContext, res: Response, modelPrefix: string, maxDurationMs: number, stallMs: number) {
  const tap = new StreamPartTap(context.chatRequest);
  // The answer is written in the client's dialect (OpenAI chunks, Anthropic's named events).
  const encoder = (context.dialect ?? openAIChatDialect).createStreamEncoder(streamEncoderOptions(context, modelPrefix, tap));
  return writeEventStream(parts, tapPart, tap, encoder, context, res, maxDurationMs, stallMs);
}

/** The fast path's stream: the upstream's own events, renamed by the dialect's passthrough encoder. */
function writePassthroughStream(
  events: AsyncIterable<PassthroughEvent>,
  context: RequestContext,
  res: Response,
  modelPrefix: string,
  maxDurationMs: number,
  stallMs: number,
) {
  const tap = new StreamPartTap(context.chatRequest);
  const encoder = passthroughOf(context).createStreamEncoder(streamEncoderOptions(context, modelPrefix, tap));
  return writeEventStream(events, tapEvent, tap, encoder, context, res, maxDurationMs, stallMs);
}

function streamEncoderOptions(context: RequestContext, modelPrefix: string, tap: StreamPartTap): StreamEncoderOptions {
  return {
    requestId: context.id,
    model: modelPrefix + context.servedBy!.model,
    modelPrefix,
    includeUsage: context.includeStreamUsage,
    // The same reckoning the ledger takes at the end, so the usage a client reads is the billed one.
    billedUsage: () => tap.usage(),
    request: context.chatRequest,
  };
}

/**
 * One stream to the client, translated or fast path alike: bounded in time (a client
 * that stops reading is cut after `limits.client_stall_ms` without a drain, and any stream
 * after the stream limit plus a grace; a cut client is settled as one that left), each item feeding
 * the tap of usage and of the estimate of a cut stream, a failure after the first byte
 * ending in the dialect's error event.
 */
async function writeEventStream<Item extends object>(
  items: AsyncIterable<Item>,
  tapItem: (tap: StreamPartTap, item: Item) => void,
  tap: StreamPartTap,
  encoder: ItemStreamEncoder<Item>,
  context: RequestContext,
  res: Response,
  maxDurationMs: number,
  stallMs: number,
) {
  const elapsed = performance.now() - context.startedAt;
  const sse = new SseWriter(res, Math.max(0, maxDurationMs - elapsed) + Math.min(slowClientGraceMs, maxDurationMs), stallMs, context.logger);
  // A dialect that keeps the finished answer (the Responses API's stored response) saves it
  // when its last event is encoded (by the upstream's last item on the fast path, at finish()
  // otherwise): awaited before that event goes out, so a client continuing at once finds it.
  const beforeLastWrite = context.dialect?.beforeLastWrite;
  sse.start();
  context.firstByteMs = performance.now() - context.startedAt;
  try {
    // The items one upstream chunk brought come as one batch: one await for them all.
    // Indexed loops, not for-of: with awaits in the body, V8 keeps each array iterator
    // and its result objects on the heap, a few hundred bytes per streamed event.
    stream: for await (const batch of readyBatches(items)) {
      for (let itemIndex = 0; itemIndex < batch.length; itemIndex++) {
        const item = batch[itemIndex]!;
        tapItem(tap, item);
        // A dialect built against an older core has no case for a part kind added since, and
        // answers undefined: that part is skipped rather than failing the stream.
        const events = encoder.encode(item) ?? noEvents;
        if (beforeLastWrite && events.length > 0) await beforeLastWrite();
        for (let eventIndex = 0; eventIndex < events.length; eventIndex++) {
          const backpressure = send(sse, events[eventIndex]!);
          if (backpressure) await backpressure;
        }
        if (!sse.isOpen) break stream; // the client left; leaving the loop cancels the upstream
      }
    }
    const closing = encoder.finish();
    if (beforeLastWrite) await beforeLastWrite();
    for (const event of closing) await send(sse, event);
    sse.close();
  } catch (error) {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') {
      // A bug (a provider plugin's own code throwing mid-stream): its words and stack, redacted, for whoever fixes it.
      context.error = gatewayError;
      context.logger.error({ err: gatewayError, provider: gatewayError.provider }, 'stream failed inside the gateway after it began');
    } else if (gatewayError.code !== 'client_closed_request') {
      context.error = gatewayError;
      context.logger.warn({ code: gatewayError.code, provider: gatewayError.provider }, 'upstream stream failed after it began');
    }
    send(sse, encoder.fail(gatewayError));
    sse.close();
  } finally {
    // The provider's final usage; or, cut short before it came (the client left, the
    // stream broke), what was generated. The request is not finished (no record, no
    // budget settlement) until this has run.
    if (context.usage === undefined) {
      context.usage = tap.usage();
      if (context.usage && !tap.hasFinalUsage) context.usageEstimated = true;
    }
  }
}

function send(sse: SseWriter, event: SseEvent): Promise<void> | undefined {
  return typeof event === 'string' ? sse.send(event) : sse.send(event.data, event.event);
}

/** Which deployment answered (or was tried last), and after how many attempts. */
function setRoutingHeaders(res: Response, context: RequestContext): void {
  if (res.headersSent) return;
  const deployment = context.servedBy ?? context.attempts.at(-1)?.deployment;
  const headers = context.responseHeaders;
  if (deployment) {
    headers.set('x-switchyard-provider', toHeaderValue(deployment.provider));
    headers.set('x-switchyard-model', toHeaderValue(redactModelName(`${deployment.provider}/${deployment.model}`)));
  }
  headers.set('x-switchyard-attempts', String(context.attempts.length));
  if (context.fastPath) headers.set('x-switchyard-path', 'fast');
}

function embeddingsEncoding(req: Request): 'float' | 'base64' {
  return (req.body as { encoding_format?: string }).encoding_format === 'base64' ? 'base64' : 'float';
}

/** `GET /v1/models` lists what the caller may use; `GET /v1/models/{id}` retrieves one. */
async function sendModels(runtime: GatewayRuntime, req: Request, res: Response): Promise<void> {
  const context = getContext(res);
  const allowed = context.principal?.allowedModels;
  const models = (await runtime.models.list())
    .filter((model) => !allowed || matchesModelPattern(model.id, allowed))
    .map((model) => ({ id: model.id, object: 'model', created: model.created, owned_by: model.ownedBy }));
  const wanted = req.params['model'];
  // Anthropic's SDKs and Claude Code read Anthropic's shape: `type: 'model'`, `display_name`, `created_at`, cursors.
  const anthropic = isAnthropicClient(req.headers);
  if (wanted === undefined) {
    sendJson(res, 200, anthropic ? formatAnthropicModelPage(models, req.query) : { object: 'list', data: models });
    return;
  }
  const id = Array.isArray(wanted) ? wanted.join('/') : String(wanted);
  const model = models.find((candidate) => candidate.id === id);
  if (!model) {
    // The id comes from the path: named back only when it could be a model name, never 16 KB of anything.
    const shown = isModelName(id, runtime.config.limits.max_model_name_length) ? `'${redactModelName(id)}'` : 'given';
    throw new GatewayError('model_not_found', `The model ${shown} does not exist.`, { param: 'model' });
  }
  sendJson(res, 200, anthropic ? toAnthropicModelInfo(model) : model);
}
