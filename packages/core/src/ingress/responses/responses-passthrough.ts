import type { GatewayError } from '../../errors/gateway-error.js';
import type { PassthroughEvent } from '../../plugin/provider-types.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import type { DialectPassthrough, PassthroughStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { withResponsesStatus } from './responses-status.js';
import { saysResponsesUsage, toResponsesUsage } from './responses-usage.js';
import { toResponsesError } from './responses-error.js';
import type { ResponsesResponse } from './responses-wire-types.js';

/** What the Responses pass-through writes over the upstream's Response object. */
export interface ResponsesPassthroughOptions {
  /** The gateway's own `resp_…` id: GET /v1/responses/{id} reads the gateway's store, never OpenAI's. */
  responseId?: string;
  /** What the client asked for: the upstream was sent `store: false` and no `previous_response_id`. */
  store?: boolean;
  previousResponseId?: string | null;
  /** Called once with the final Response (completed or incomplete), e.g. to store it. */
  onFinished?: (response: ResponsesResponse) => void;
}

/**
 * The Responses API on the same-dialect fast path: OpenAI's own Response object
 * and events go to the client with four fields rewritten — `id` (the gateway's, so
 * stored responses and `previous_response_id` work on every target), `model`
 * (`provider/model`), and `store` / `previous_response_id` as the client sent them
 * (the gateway keeps the conversation, so upstream got `store: false` and the
 * expanded `input`). Item ids (`msg_…`, `fc_…`, `rs_…`) stay the upstream's. The
 * final Response's `status` and `incomplete_details`, when OpenAI does not define them,
 * are written as the translated path writes the finish the tap read (withResponsesStatus),
 * and a final event is then named after the status written.
 */
export function createResponsesPassthrough(options: ResponsesPassthroughOptions): DialectPassthrough {
  const rewrite = (response: Record<string, unknown>, modelPrefix: string, fallbackModel: string): void => {
    if (options.responseId !== undefined) response['id'] = options.responseId;
    response['model'] = typeof response['model'] === 'string' && response['model'] !== '' ? modelPrefix + response['model'] : fallbackModel;
    if (options.store !== undefined) response['store'] = options.store;
    if (options.previousResponseId !== undefined) response['previous_response_id'] = options.previousResponseId;
  };
  return {
    name: 'openai-responses',
    formatResponse(body, response, model) {
      const copy = { ...body };
      rewrite(copy, '', model);
      copy['model'] = model;
      withResponsesStatus(copy, response.finishReason);
      // The usage billed: the upstream's own when it says that already, else the gateway's reading or estimate.
      if (!saysResponsesUsage(copy['usage'], response.usage)) copy['usage'] = toResponsesUsage(response.usage);
      const status = copy['status'];
      if (status === 'completed' || status === 'incomplete') options.onFinished?.(copy as unknown as ResponsesResponse);
      return copy;
    },
    createStreamEncoder: (encoderOptions) => new ResponsesPassthroughEncoder(encoderOptions, rewrite, options.onFinished),
  };
}

/** Rewrites each upstream event's Response (when it carries one) and remembers enough to fail like the translated path. */
class ResponsesPassthroughEncoder implements PassthroughStreamEncoder {
  private nextSequence = 0;
  private snapshot: Record<string, unknown> | undefined;
  private readonly output: unknown[] = [];

  constructor(
    private readonly options: StreamEncoderOptions,
    private readonly rewrite: (response: Record<string, unknown>, modelPrefix: string, fallbackModel: string) => void,
    private readonly onFinished: ((response: ResponsesResponse) => void) | undefined,
  ) {}

  encode(event: PassthroughEvent): readonly SseEvent[] {
    if (!event.event) return [];
    let data: Record<string, unknown>;
    try {
      data = parseUpstreamJson(event.event.data) as Record<string, unknown>;
    } catch {
      return []; // the tap already refused an unreadable event; nothing unparsed is forwarded
    }
    let type = typeof data['type'] === 'string' ? data['type'] : event.event.event;
    // Only a number that can be a place in the stream: the gateway's own response.failed is numbered after it (it was 1e300, or -4).
    const sequence = data['sequence_number'];
    if (typeof sequence === 'number' && Number.isSafeInteger(sequence) && sequence >= 0) {
      // Never twice nor back: a text's tail held back for a secret goes on in a copy of its event (passthrough-secret-tails.ts), numbered after it.
      const numbered = Math.max(sequence, this.nextSequence);
      data['sequence_number'] = numbered;
      this.nextSequence = numbered + 1;
    }
    const response = data['response'];
    if (typeof response === 'object' && response !== null && !Array.isArray(response)) {
      const rewritten = { ...(response as Record<string, unknown>) };
      this.rewrite(rewritten, this.options.modelPrefix, this.options.model);
      data['response'] = rewritten;
      this.snapshot = rewritten;
      if (type === 'response.completed' || type === 'response.incomplete') {
        const finish = event.parts.find((part) => part.type === 'finish');
        if (finish !== undefined && withResponsesStatus(rewritten, finish.finishReason)) {
          // Named as the translated path names its final event.
          type = rewritten['status'] === 'incomplete' ? 'response.incomplete' : 'response.completed';
          data['type'] = type;
        }
        this.withBilledUsage(rewritten);
        this.onFinished?.(rewritten as unknown as ResponsesResponse);
      }
    }
    if (type === 'response.output_item.done' && data['item'] !== undefined) this.output.push(data['item']);
    return [{ event: type ?? 'message', data: JSON.stringify(data) }];
  }

  finish(): readonly SseEvent[] {
    return [];
  }

  /**
   * The final Response's usage as the gateway billed it (the tap has read this event
   * already): the upstream's own when it says that, else the billed counts, the estimate
   * when the upstream sent none it could read.
   */
  private withBilledUsage(response: Record<string, unknown>): void {
    const billed = this.options.billedUsage?.();
    if (billed !== undefined && !saysResponsesUsage(response['usage'], billed)) response['usage'] = toResponsesUsage(billed);
  }

  /** `response.failed` with the gateway's (redacted) error, numbered after the last upstream event, as the translated path ends. */
  fail(error: GatewayError): SseEvent {
    const response = {
      ...(this.snapshot ?? { id: this.options.requestId, object: 'response', model: this.options.model }),
      status: 'failed',
      error: toResponsesError(error),
      incomplete_details: null,
      output: this.output,
      // An upstream reports usage only at the end: what the ledger bills (the estimate of what was delivered), as the translated path writes.
      usage: toResponsesUsage(this.options.billedUsage?.() ?? { inputTokens: 0, outputTokens: 0 }),
    };
    const payload = { type: 'response.failed', sequence_number: this.nextSequence++, response };
    return { event: 'response.failed', data: JSON.stringify(payload) };
  }
}
