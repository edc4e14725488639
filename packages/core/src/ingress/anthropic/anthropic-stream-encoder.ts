import type { FinishReason } from '../../canonical/chat-response.js';
import type { StreamPart } from '../../canonical/stream-part.js';
import { emptyUsage, type Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { DialectStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { anthropicMessageId } from './anthropic-message-id.js';
import { toAnthropicStopDetails, toAnthropicStopReason, toAnthropicStopSequence } from './anthropic-stop-reason.js';
import { toAnthropicDeltaUsage, toAnthropicMessageUsage } from './anthropic-usage.js';
import { formatAnthropicError } from './format-anthropic-error.js';
import { directCaller } from './format-anthropic-message.js';
import { isBlankFragment, startsObject } from './tool-input-start.js';

type BlockKind = 'text' | 'thinking' | 'tool_use';

/**
 * Writes canonical stream parts as Anthropic's named SSE events, in the order the
 * Messages API sends them: `message_start`, `ping`, then for each content block
 * `content_block_start`, its deltas and `content_block_stop`, then `message_delta`
 * (stop reason and cumulative usage) and `message_stop`. Blocks never overlap:
 * a part of another kind closes the open block first. An OpenAI-compatible upstream
 * may interleave parallel tool calls' fragments; a call that begins while another
 * call's block is open is held, and sent whole once that block closes, so that no
 * fragment ever lands in a block already closed (clients that finish a tool call
 * at its `content_block_stop` would lose it).
 */
export class AnthropicStreamEncoder implements DialectStreamEncoder {
  private id: string;
  private model: string;
  private readonly modelPrefix: string;
  private started = false;
  private open: { kind: BlockKind; index: number } | undefined;
  private nextIndex = 0;
  /** Block index of each canonical tool call index. */
  private readonly toolBlocks = new Map<number, number>();
  /** Tool calls that began while another call's block was open, by canonical index, in the order they began. */
  private readonly heldCalls = new Map<number, { id: string; name: string; argumentsText: string }>();
  /** Whether each live call's arguments began as a JSON object, by canonical index; not yet known while only blanks came. */
  private readonly objectInputs = new Map<number, boolean>();
  /** Text and thinking that came while a tool call's block was open, whose later fragments must still go inside it. */
  private readonly heldDeltas: Array<{ kind: 'text' | 'thinking'; delta: Record<string, string> }> = [];
  private finishReason: FinishReason = { unified: 'stop' };
  private usage: Usage | undefined;
  private readonly billedUsage: (() => Usage | undefined) | undefined;
  private readonly requestId: string;
  private readonly stopSequences: readonly string[] | undefined;

  constructor(options: StreamEncoderOptions) {
    this.requestId = options.requestId;
    this.id = `msg_${options.requestId.replace(/^req_/, '')}`;
    this.model = options.model;
    this.modelPrefix = options.modelPrefix;
    this.billedUsage = options.billedUsage;
    this.stopSequences = options.request?.stopSequences;
  }

  encode(part: StreamPart): SseEvent[] {
    switch (part.type) {
      case 'stream-start':
        if (!this.started) {
          if (part.id) this.id = anthropicMessageId(part.id);
          if (part.model) this.model = this.modelPrefix + part.model;
        }
        return [];
      case 'usage':
        // Before message_start, partial counts (the input tokens) go into it, as Anthropic does.
        this.usage = part.usage;
        return [];
      case 'text-delta':
      case 'refusal-delta':
        return this.delta('text', { type: 'text_delta', text: part.delta });
      case 'reasoning-delta':
        return this.delta('thinking', { type: 'thinking_delta', thinking: part.delta });
      case 'reasoning-signature': {
        // As Anthropic sends it, last in its thinking block, which it closes (a signature with no thinking before it opens one).
        const events = this.delta('thinking', { type: 'signature_delta', signature: part.signature });
        events.push(...this.closeBlock());
        return events;
      }
      case 'reasoning-redacted': {
        // A block of its own, whole at its start, as Anthropic sends it.
        const events = this.begin();
        events.push(...this.closeBlock());
        const index = this.nextIndex++;
        events.push(blockStart(index, { type: 'redacted_thinking', data: part.data }), event('content_block_stop', { type: 'content_block_stop', index }));
        return events;
      }
      case 'tool-call-start': {
        if (this.open?.kind === 'tool_use') {
          this.heldCalls.set(part.index, { id: part.id, name: part.name, argumentsText: '' });
          return [];
        }
        const events = this.begin();
        events.push(...this.closeBlock());
        const index = this.openBlock('tool_use');
        this.toolBlocks.set(part.index, index);
        events.push(blockStart(index, { type: 'tool_use', id: part.id, name: part.name, input: {}, caller: directCaller() }));
        return events;
      }
      case 'tool-call-delta': {
        const held = this.heldCalls.get(part.index);
        if (held) {
          held.argumentsText += part.argumentsDelta;
          return [];
        }
        const index = this.toolBlocks.get(part.index);
        // A fragment of a call that never started has no block to belong to.
        if (index === undefined) return [];
        // Arguments that are no JSON object are left out: the input reads {}, as a whole answer gives it (parseToolInput).
        if (!this.beginsObject(part.index, part.argumentsDelta)) return [];
        return [...this.begin(), event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part.argumentsDelta } })];
      }
      case 'finish':
        this.finishReason = part.finishReason;
        return [...this.begin(), ...this.closeBlock()];
    }
  }

  finish(): SseEvent[] {
    // Without the provider's final usage the ledger bills an estimate: the client reads that, not the partial counts.
    const usage = toAnthropicDeltaUsage(this.billedUsage?.() ?? this.usage ?? emptyUsage());
    const stopReason = toAnthropicStopReason(this.finishReason);
    return [
      ...this.begin(),
      ...this.closeBlock(),
      event('message_delta', {
        type: 'message_delta',
        // The provider's stream decoder keeps no matched sequence: known only when one was asked for.
        delta: { stop_reason: stopReason, stop_sequence: toAnthropicStopSequence(stopReason, undefined, this.stopSequences), stop_details: toAnthropicStopDetails(stopReason), container: null },
        usage,
      }),
      event('message_stop', { type: 'message_stop' }),
    ];
  }

  fail(error: GatewayError): SseEvent {
    // With the request id, as every error body of the route has it (the SDK's ErrorResponse requires it).
    return event('error', formatAnthropicError(error, this.requestId).body);
  }

  /** `message_start` and a first `ping`, once, before anything else. */
  private begin(): SseEvent[] {
    if (this.started) return [];
    this.started = true;
    // The counts the upstream gave so far (Anthropic's input tokens); from a provider that gives them only at
    // the end, the billed counts so far, as the fast path writes them: the prompt's estimate, never a 0.
    const usage = toAnthropicMessageUsage(this.usage ?? this.billedUsage?.() ?? emptyUsage());
    return [
      event('message_start', {
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          stop_details: null,
          container: null,
          diagnostics: null,
          usage: { ...usage, output_tokens: 0 },
        },
      }),
      event('ping', { type: 'ping' }),
    ];
  }

  private delta(kind: 'text' | 'thinking', delta: Record<string, string>): SseEvent[] {
    const events = this.begin();
    if (this.open?.kind === 'tool_use') {
      this.heldDeltas.push({ kind, delta });
      return events;
    }
    if (this.open?.kind !== kind) {
      events.push(...this.closeBlock());
      const index = this.openBlock(kind);
      events.push(blockStart(index, emptyBlock(kind)));
    }
    events.push(event('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta }));
    return events;
  }

  private openBlock(kind: BlockKind): number {
    const index = this.nextIndex++;
    this.open = { kind, index };
    return index;
  }

  /** Closes the open block; the tool calls held behind it follow, each a whole block. */
  private closeBlock(): SseEvent[] {
    if (!this.open) return [];
    const { index } = this.open;
    this.open = undefined;
    const events = [event('content_block_stop', { type: 'content_block_stop', index })];
    for (const [callIndex, call] of this.heldCalls) {
      const callBlock = this.nextIndex++;
      this.toolBlocks.set(callIndex, callBlock);
      events.push(blockStart(callBlock, { type: 'tool_use', id: call.id, name: call.name, input: {}, caller: directCaller() }));
      if (startsObject(call.argumentsText)) {
        events.push(event('content_block_delta', { type: 'content_block_delta', index: callBlock, delta: { type: 'input_json_delta', partial_json: call.argumentsText } }));
      }
      events.push(event('content_block_stop', { type: 'content_block_stop', index: callBlock }));
    }
    this.heldCalls.clear();
    events.push(...this.heldDeltaBlocks());
    return events;
  }

  /** Whether a live call's arguments, of which `fragment` is the latest, began as a JSON object (false while only blanks came). */
  private beginsObject(callIndex: number, fragment: string): boolean {
    const known = this.objectInputs.get(callIndex);
    if (known !== undefined) return known;
    if (isBlankFragment(fragment)) return false;
    const isObject = startsObject(fragment);
    this.objectInputs.set(callIndex, isObject);
    return isObject;
  }

  /** The held text and thinking, in the order they came, each run of one kind a whole block. */
  private heldDeltaBlocks(): SseEvent[] {
    const events: SseEvent[] = [];
    let open: { kind: 'text' | 'thinking'; index: number } | undefined;
    for (const { kind, delta } of this.heldDeltas) {
      if (open?.kind !== kind) {
        if (open) events.push(event('content_block_stop', { type: 'content_block_stop', index: open.index }));
        open = { kind, index: this.nextIndex++ };
        events.push(blockStart(open.index, emptyBlock(kind)));
      }
      events.push(event('content_block_delta', { type: 'content_block_delta', index: open.index, delta }));
    }
    if (open) events.push(event('content_block_stop', { type: 'content_block_stop', index: open.index }));
    this.heldDeltas.length = 0;
    return events;
  }
}

function event(name: string, data: unknown): SseEvent {
  return { event: name, data: JSON.stringify(data) };
}

function blockStart(index: number, block: Record<string, unknown>): SseEvent {
  return event('content_block_start', { type: 'content_block_start', index, content_block: block });
}

/** A text or thinking block as it starts, before its first delta. */
function emptyBlock(kind: 'text' | 'thinking'): Record<string, unknown> {
  return kind === 'text' ? { type: 'text', text: '', citations: null } : { type: 'thinking', thinking: '', signature: '' };
}
