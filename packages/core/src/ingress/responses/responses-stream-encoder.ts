import type { FinishReason } from '../../canonical/chat-response.js';
import type { StreamPart } from '../../canonical/stream-part.js';
import type { Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { DialectStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { defaultResponsesEcho, type ResponsesEcho } from './parse-responses-request.js';
import { toResponsesError } from './responses-error.js';
import { toResponsesStatus } from './responses-status.js';
import { toResponsesUsage } from './responses-usage.js';
import type {
  ResponsesOutputFunctionCall,
  ResponsesOutputMessage,
  ResponsesOutputReasoning,
  ResponsesResponse,
} from './responses-wire-types.js';

/** What the Responses encoder takes besides the common options. */
export interface ResponsesStreamEncoderOptions extends StreamEncoderOptions {
  /** The response's `resp_…` id; made from the request id when left out. */
  responseId?: string;
  echo?: ResponsesEcho;
  /** Called once with the final response of a stream the upstream finished (not one cut short). */
  onFinished?: (response: ResponsesResponse) => void;
}

type OpenItem =
  | { kind: 'message'; index: number; item: ResponsesOutputMessage; part: 'output_text' | 'refusal' | undefined }
  | { kind: 'reasoning'; index: number; item: ResponsesOutputReasoning };

/**
 * Writes canonical stream parts as the Responses API's named SSE events, each with
 * its `sequence_number` (from 0, one up per event): `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, its
 * content parts and deltas, `response.output_item.done`, and at the end
 * `response.completed` (or `response.incomplete`) carrying the whole response with
 * its usage. A message or reasoning item is closed when another item begins; tool
 * calls stay open together (providers interleave parallel calls) until the end.
 */
export class ResponsesStreamEncoder implements DialectStreamEncoder {
  private readonly id: string;
  private model: string;
  private readonly modelPrefix: string;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private readonly echo: ResponsesEcho;
  private readonly onFinished: ((response: ResponsesResponse) => void) | undefined;
  private sequence = 0;
  private started = false;
  private readonly output: Array<ResponsesOutputMessage | ResponsesOutputReasoning | ResponsesOutputFunctionCall> = [];
  private open: OpenItem | undefined;
  /** Output index of each canonical tool call index still open. */
  private readonly openCalls = new Map<number, number>();
  private finishReason: FinishReason | undefined;
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private readonly billedUsage: (() => Usage | undefined) | undefined;

  constructor(options: ResponsesStreamEncoderOptions) {
    this.id = options.responseId ?? `resp_${options.requestId.replace(/^req_/, '')}`;
    this.model = options.model;
    this.modelPrefix = options.modelPrefix;
    this.echo = options.echo ?? defaultResponsesEcho;
    this.onFinished = options.onFinished;
    this.billedUsage = options.billedUsage;
  }

  encode(part: StreamPart): SseEvent[] {
    switch (part.type) {
      case 'stream-start':
        if (!this.started && part.model) this.model = this.modelPrefix + part.model;
        // response.created at once, as OpenAI sends it: a stream that fails before its first output
        // then ends with response.failed after it, which the SDK's stream helper needs to read it.
        return this.begin();
      case 'usage':
        this.usage = part.usage;
        return [];
      case 'text-delta':
      case 'refusal-delta': {
        const kind = part.type === 'text-delta' ? 'output_text' : 'refusal';
        const events = this.messagePart(kind);
        const open = this.open as Extract<OpenItem, { kind: 'message' }>;
        const content = open.item.content.at(-1)!;
        if (content.type === 'output_text') content.text += part.delta;
        else content.refusal += part.delta;
        // Written out for each kind rather than spread from a shared base: this runs once per token.
        const itemId = open.item.id;
        const contentIndex = open.item.content.length - 1;
        events.push(
          kind === 'output_text'
            ? this.event({ type: 'response.output_text.delta', item_id: itemId, output_index: open.index, content_index: contentIndex, delta: part.delta, logprobs: [] })
            : this.event({ type: 'response.refusal.delta', item_id: itemId, output_index: open.index, content_index: contentIndex, delta: part.delta }),
        );
        return events;
      }
      case 'reasoning-delta': {
        const events = this.begin();
        if (this.open?.kind !== 'reasoning') {
          events.push(...this.closeOpen());
          const item: ResponsesOutputReasoning = { type: 'reasoning', id: `rs_${this.baseId()}_${this.output.length}`, summary: [], content: [] };
          const index = this.addItem(item, events);
          this.open = { kind: 'reasoning', index, item };
          item.content!.push({ type: 'reasoning_text', text: '' });
          events.push(this.event({ type: 'response.content_part.added', item_id: item.id, output_index: index, content_index: 0, part: { type: 'reasoning_text', text: '' } }));
        }
        const open = this.open as Extract<OpenItem, { kind: 'reasoning' }>;
        open.item.content![0]!.text += part.delta;
        events.push(this.event({ type: 'response.reasoning_text.delta', item_id: open.item.id, output_index: open.index, content_index: 0, delta: part.delta }));
        return events;
      }
      case 'reasoning-signature':
      case 'reasoning-redacted':
        // Anthropic's; a Responses reasoning item's encrypted_content is OpenAI's own and cannot hold them.
        return [];
      case 'tool-call-start': {
        const events = [...this.begin(), ...this.closeOpen()];
        if (this.openCalls.has(part.index)) return events;
        const item: ResponsesOutputFunctionCall = {
          type: 'function_call',
          id: `fc_${this.baseId()}_${this.output.length}`,
          call_id: part.id,
          name: part.name,
          arguments: '',
          status: 'in_progress',
        };
        this.openCalls.set(part.index, this.addItem(item, events));
        return events;
      }
      case 'tool-call-delta': {
        const index = this.openCalls.get(part.index);
        // A fragment of a call that never started (or was closed) has no item to belong to.
        if (index === undefined) return [];
        const item = this.output[index] as ResponsesOutputFunctionCall;
        item.arguments += part.argumentsDelta;
        return [this.event({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta: part.argumentsDelta })];
      }
      case 'finish':
        this.finishReason = part.finishReason;
        return this.begin();
    }
  }

  finish(): SseEvent[] {
    const events = [...this.begin(), ...this.closeOpen(), ...this.closeCalls()];
    const response = this.snapshot(toResponsesStatus(this.finishReason ?? { unified: 'stop' }));
    // Without the provider's usage the ledger bills an estimate: the client (and the stored response) read that, not zeros.
    response.usage = toResponsesUsage(this.billedUsage?.() ?? this.usage);
    events.push(this.event({ type: response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', response }));
    // Only an answer the upstream finished is kept: a stream cut short (the client left) has no final response.
    if (this.finishReason !== undefined) this.onFinished?.(response);
    return events;
  }

  fail(error: GatewayError): SseEvent {
    const response = this.snapshot({ status: 'failed', incomplete_details: null });
    response.error = toResponsesError(error);
    // What was delivered is billed (its estimate when the upstream sent no usage): the client reads that too.
    response.usage = toResponsesUsage(this.billedUsage?.() ?? this.usage);
    return this.event({ type: 'response.failed', response });
  }

  private baseId(): string {
    return this.id.slice(5);
  }

  private snapshot(status: Pick<ResponsesResponse, 'status' | 'incomplete_details'>): ResponsesResponse {
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      ...status,
      error: null,
      model: this.model,
      output: structuredClone(this.output),
      usage: null,
      ...this.echo,
    };
  }

  /** `response.created` and `response.in_progress`, once, before anything else. */
  private begin(): SseEvent[] {
    if (this.started) return [];
    this.started = true;
    const response = this.snapshot({ status: 'in_progress', incomplete_details: null });
    return [this.event({ type: 'response.created', response }), this.event({ type: 'response.in_progress', response })];
  }

  /** Makes sure the open item is a message whose last part is of `kind`. */
  private messagePart(kind: 'output_text' | 'refusal'): SseEvent[] {
    const events = this.begin();
    if (this.open?.kind !== 'message') {
      events.push(...this.closeOpen());
      const item: ResponsesOutputMessage = { type: 'message', id: `msg_${this.baseId()}_${this.output.length}`, role: 'assistant', status: 'in_progress', content: [] };
      this.open = { kind: 'message', index: this.addItem(item, events), item, part: undefined };
    }
    const open = this.open;
    if (open.part !== kind) {
      events.push(...this.closePart(open));
      const part = kind === 'output_text' ? { type: 'output_text' as const, text: '', annotations: [] } : { type: 'refusal' as const, refusal: '' };
      open.item.content.push(part);
      open.part = kind;
      events.push(this.event({ type: 'response.content_part.added', item_id: open.item.id, output_index: open.index, content_index: open.item.content.length - 1, part: { ...part } }));
    }
    return events;
  }

  private addItem(item: ResponsesOutputMessage | ResponsesOutputReasoning | ResponsesOutputFunctionCall, events: SseEvent[]): number {
    const index = this.output.length;
    this.output.push(item);
    events.push(this.event({ type: 'response.output_item.added', output_index: index, item: structuredClone(item) }));
    return index;
  }

  private closePart(open: Extract<OpenItem, { kind: 'message' }>): SseEvent[] {
    if (open.part === undefined) return [];
    const contentIndex = open.item.content.length - 1;
    const part = open.item.content[contentIndex]!;
    const base = { item_id: open.item.id, output_index: open.index, content_index: contentIndex };
    open.part = undefined;
    return [
      part.type === 'output_text'
        ? this.event({ type: 'response.output_text.done', ...base, text: part.text, logprobs: [] })
        : this.event({ type: 'response.refusal.done', ...base, refusal: part.refusal }),
      this.event({ type: 'response.content_part.done', ...base, part: { ...part } }),
    ];
  }

  private closeOpen(): SseEvent[] {
    const open = this.open;
    if (!open) return [];
    this.open = undefined;
    const events: SseEvent[] = [];
    if (open.kind === 'message') {
      events.push(...this.closePart(open));
      open.item.status = this.itemStatus();
    } else {
      const text = open.item.content![0]!.text;
      const base = { item_id: open.item.id, output_index: open.index, content_index: 0 };
      events.push(
        this.event({ type: 'response.reasoning_text.done', ...base, text }),
        this.event({ type: 'response.content_part.done', ...base, part: { type: 'reasoning_text', text } }),
      );
    }
    events.push(this.event({ type: 'response.output_item.done', output_index: open.index, item: structuredClone(open.item) }));
    return events;
  }

  private closeCalls(): SseEvent[] {
    const events: SseEvent[] = [];
    for (const index of [...this.openCalls.values()].sort((a, b) => a - b)) {
      const item = this.output[index] as ResponsesOutputFunctionCall;
      item.status = 'completed';
      events.push(
        this.event({ type: 'response.function_call_arguments.done', item_id: item.id, output_index: index, name: item.name, arguments: item.arguments }),
        this.event({ type: 'response.output_item.done', output_index: index, item: { ...item } }),
      );
    }
    this.openCalls.clear();
    return events;
  }

  /** An item closed at the end of a cut answer is incomplete; one closed earlier is complete. */
  private itemStatus(): 'completed' | 'incomplete' {
    return this.finishReason && toResponsesStatus(this.finishReason).status === 'incomplete' ? 'incomplete' : 'completed';
  }

  /** `data` is always a literal made for this one event: numbered in place rather than copied. */
  private event(data: { type: string; [key: string]: unknown }): SseEvent {
    data['sequence_number'] = this.sequence++;
    return { event: data.type, data: JSON.stringify(data) };
  }
}
