import type { Span } from '@opentelemetry/api';
import type { ChatResponse } from '../canonical/chat-response.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import type { ProviderResult } from '../chain/request-context.js';
import type { PassthroughEvent } from '../plugin/provider-types.js';
import { GatewayError, toGatewayError } from '../errors/gateway-error.js';
import { redactModelName } from '../errors/redact-model-name.js';
import { attributes, boundedString, firstTokenEvent } from './gen-ai-attributes.js';
import { recordSpanError } from './record-span-error.js';
import { setUsageAttributes } from './set-usage-attributes.js';

/** The spans an attempt's answer is written onto. */
export interface ResultSpans {
  /** The attempt's span: ended here, when the answer is complete. */
  span: Span;
  /** The request's span: gets the answer's model, finish reasons and first-token time; ended elsewhere. */
  requestSpan: Span | undefined;
  /** Monotonic clock when the attempt and the request began. */
  attemptStartedAt: number;
  requestStartedAt: number;
  /** Ends a stream's span with the request, in case nobody ever reads the stream. */
  onFinished(listener: () => void): void;
}

/**
 * Writes what an answer says (model, id, usage, finish reasons) onto the spans and
 * ends the attempt's span; a stream is passed through a wrapper that does so when
 * it ends, records the time to the first token, and the error code of a cut.
 */
export function traceResult(result: ProviderResult, spans: ResultSpans): ProviderResult {
  const { span } = spans;
  switch (result.kind) {
    case 'chat-response':
      setResponseAttributes(spans, result.response);
      setUsageAttributes(span, result.response.usage);
      span.end();
      return result;
    case 'embeddings':
      setModel(spans, result.response.model);
      setUsageAttributes(span, { inputTokens: result.response.usage.inputTokens, outputTokens: 0 });
      span.end();
      return result;
    case 'chat-stream': {
      if (!span.isRecording()) {
        span.end();
        return result;
      }
      return { kind: 'chat-stream', parts: tracedItems(result.parts, spans, ownPart, endOnce(spans)) };
    }
    case 'chat-passthrough':
      setResponseAttributes(spans, result.response);
      setUsageAttributes(span, result.response.usage);
      span.end();
      return result;
    case 'chat-passthrough-stream': {
      if (!span.isRecording()) {
        span.end();
        return result;
      }
      return { kind: 'chat-passthrough-stream', events: tracedItems(result.events, spans, eventParts, endOnce(spans)) };
    }
  }
}

/** The parts of one item that the span reads; `firstTokenPending` until a token was seen. */
type PartsOf<Item> = (item: Item, firstTokenPending: boolean) => readonly StreamPart[];

const ownPart: PartsOf<StreamPart> = (part) => [part];

/**
 * A fast-path event's parts. One the lazy tap left unread holds only content, so it
 * matters only while the first token is awaited: then it is read, to time it exactly.
 */
const eventParts: PartsOf<PassthroughEvent> = (item, firstTokenPending) =>
  firstTokenPending && item.unread && item.event ? item.unread.read(item.event) : item.parts;

/**
 * Ends the attempt's span once: when its stream ends, or with the request. Registered
 * here, not in the generator: a generator's body runs only once it is read, so a stream
 * nobody reads (an embedding app that answers without it, a late result dropped) left
 * its span open for good.
 */
function endOnce(spans: ResultSpans): () => void {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    spans.span.end();
  };
  spans.onFinished(end);
  return end;
}

/** The items (parts, or fast-path events with their parts), unchanged, with the attempt's span ended (`end`) when they end. */
async function* tracedItems<Item>(items: AsyncIterable<Item>, spans: ResultSpans, partsOf: PartsOf<Item>, end: () => void): AsyncGenerator<Item> {
  const { span } = spans;
  let firstToken = true;
  let usage: Usage | undefined;
  // The gateway answers one choice: one reason, the last an upstream gave (one that repeats it on every
  // chunk made the attribute a list of thousands, exported with both spans).
  let finishReason: string | undefined;
  let outcome: 'complete' | 'failed' | 'cut' = 'cut';
  try {
    for await (const item of items) {
      for (const part of partsOf(item, firstToken)) {
        switch (part.type) {
          case 'stream-start':
            setModel(spans, part.model);
            if (part.id) span.setAttribute(attributes.responseId, boundedString(part.id));
            break;
          case 'text-delta':
          case 'reasoning-delta':
          case 'refusal-delta':
          case 'tool-call-start':
            if (firstToken) {
              firstToken = false;
              markFirstToken(spans);
            }
            break;
          case 'finish':
            finishReason = part.finishReason.unified;
            break;
          case 'usage':
            if (!part.partial || !usage) usage = part.usage;
            break;
        }
      }
      yield item;
    }
    outcome = 'complete';
  } catch (error) {
    outcome = 'failed';
    recordSpanError(span, toGatewayError(error));
    throw error;
  } finally {
    if (finishReason !== undefined) setFinishReasons(spans, [finishReason]);
    if (usage) setUsageAttributes(span, usage);
    // The reader stopped before the end without an error: the client went away.
    if (outcome === 'cut') recordSpanError(span, new GatewayError('client_closed_request', 'The client closed the connection.'));
    end();
  }
}

function setResponseAttributes(spans: ResultSpans, response: ChatResponse): void {
  setModel(spans, response.model);
  if (response.id) spans.span.setAttribute(attributes.responseId, boundedString(response.id));
  setFinishReasons(spans, [response.finishReason.unified]);
}

/**
 * The model as the provider named it; some (Bedrock) do not, and then it stays unset.
 * Many echo the requested id, which a client may have pasted a key into: blanked as that is.
 */
function setModel(spans: ResultSpans, model: string): void {
  if (!model) return;
  const value = boundedString(redactModelName(model));
  spans.span.setAttribute(attributes.responseModel, value);
  spans.requestSpan?.setAttribute(attributes.responseModel, value);
}

function setFinishReasons(spans: ResultSpans, reasons: string[]): void {
  spans.span.setAttribute(attributes.finishReasons, reasons);
  spans.requestSpan?.setAttribute(attributes.finishReasons, reasons);
}

function markFirstToken(spans: ResultSpans): void {
  const now = performance.now();
  spans.span.addEvent(firstTokenEvent);
  spans.span.setAttribute(attributes.timeToFirstTokenMs, round(now - spans.attemptStartedAt));
  spans.requestSpan?.setAttribute(attributes.timeToFirstTokenMs, round(now - spans.requestStartedAt));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
