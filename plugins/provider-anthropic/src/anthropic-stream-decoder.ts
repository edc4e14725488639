import { GatewayError, nonEmptyText, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart, isJsonObject, readTokenCount } from '@switchyard/core';
import type { AnthropicErrorEnvelope, AnthropicResponseBlock, AnthropicUsage } from './anthropic-wire-types.js';
import { readBlockDelta } from './block-delta-event.js';
import { jsonResponseToolName } from './json-response-tool.js';
import { mapAnthropicErrorBody } from './map-anthropic-error.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';


/** What a content block of the stream turns into, by its Anthropic `index`. */
type BlockKind = { kind: 'text' } | ReasoningBlock | ToolBlock | { kind: 'ignored' };

/**
 * A thinking block. Anthropic starts it with signature "" and signs it in a
 * `signature_delta` before its stop; a signature its start carried (a whole block, from
 * an Anthropic-compatible server) goes out at its stop unless a delta signed it first.
 */
type ReasoningBlock = { kind: 'reasoning'; startSignature?: string };

/**
 * A tool call's block. `startInput` is the JSON text of a whole input its start carried
 * (some Anthropic-compatible servers send it there, Anthropic sends `{}`): the call's
 * arguments if no `input_json_delta` comes before the block's stop, dropped at the first
 * one, whose pieces then make the input (as the SDK's MessageStream reads it). A call
 * whose pieces were all empty (Anthropic's shape for a call without parameters), or that
 * had none, gets `{}` at its stop: as the SDK reads it, and as OpenAI writes such a call.
 */
type ToolBlock = { kind: 'tool'; toolIndex: number; startInput?: string } | { kind: 'json-answer'; startInput?: string };

interface StreamEventData {
  type?: string;
  message?: { id?: unknown; model?: unknown; usage?: AnthropicUsage };
  index?: number;
  content_block?: AnthropicResponseBlock;
  /** Text fields as an upstream sent them: strings when well behaved (decodeDelta checks). */
  delta?: { type?: string; text?: unknown; partial_json?: unknown; thinking?: unknown; signature?: unknown; stop_reason?: string | null };
  usage?: AnthropicUsage;
}

/**
 * Anthropic's named stream events → canonical parts. Tool calls are numbered from 0
 * in the order their `tool_use` blocks start, whatever the Anthropic block index
 * (text and thinking blocks take indices too). `message_start` usage goes out at
 * once as a partial usage part; `message_delta.usage` is cumulative, and fields it
 * leaves out keep the values `message_start` gave.
 */
export function createAnthropicStreamDecoder(provider: string): StreamDecoder {
  const blocks = new Map<number, BlockKind>();
  let toolCount = 0;
  let usage: AnthropicUsage = {};
  let finished = false;
  let stopped = false;
  /** Whether the message began (its start, a block or its delta came): a message_stop alone is no answer. */
  let begun = false;
  /** Blocks that have not streamed a piece of input that is not empty: settled at their stop (see ToolBlock). */
  const pending = new Set<ToolBlock>();

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  return {
    decode(event: ServerSentEvent): StreamPart[] {
      // Most events are one token of a block: read without parsing when written exactly as Anthropic does.
      if (event.event === 'content_block_delta' || event.event === undefined) {
        const read = readBlockDelta(event.data);
        if (read) return deltaParts(blocks.get(read.index), read.delta);
      }
      let parsed: unknown;
      try {
        parsed = parseUpstreamJson(event.data);
      } catch (error) {
        throw invalid('sent an unreadable stream event', error);
      }
      // `null` or `5` is no event: read as one, its fields threw a TypeError, reported as a broken-off answer.
      if (!isJsonObject(parsed)) throw invalid('sent a stream event that is not an object');
      const data = parsed as StreamEventData;
      // Every event names itself twice; the data's `type` covers a proxy that drops `event:` lines.
      switch (event.event ?? data.type) {
        case 'message_start': {
          begun = true;
          usage = definedFields(data.message?.usage);
          const id = data.message?.id;
          const model = data.message?.model;
          const early = mapAnthropicUsage(usage);
          return [
            {
              type: 'stream-start',
              id: typeof id === 'string' ? id : '',
              model: typeof model === 'string' ? model : '',
              created: Math.floor(Date.now() / 1000),
            },
            // The real input tokens, early: a stream cut before message_delta is billed from them.
            ...(early ? [{ type: 'usage', usage: early, partial: true } as const] : []),
          ];
        }
        case 'content_block_start':
          begun = true;
          return startBlock(data.index ?? blocks.size, data.content_block);
        case 'content_block_delta':
          return deltaParts(blocks.get(data.index ?? -1), data.delta);
        case 'content_block_stop': {
          const block = blocks.get(data.index ?? -1);
          if (block?.kind === 'reasoning') return signedParts(block);
          return block && (block.kind === 'tool' || block.kind === 'json-answer') ? settledParts(block) : [];
        }
        case 'message_delta': {
          begun = true;
          usage = { ...usage, ...notBelow(usage, definedFields(data.usage)) };
          // A block never stopped is settled too.
          const parts: StreamPart[] = [...pendingParts()];
          if (data.delta?.stop_reason) {
            finished = true;
            parts.push({ type: 'finish', finishReason: mapAnthropicStopReason(data.delta.stop_reason, toolCount === 0) });
          }
          // An unreadable usage is left out: the stream is then billed the gateway's estimate. So is
          // one without output_tokens: message_start's (1) is a placeholder, not the answer's count.
          const counted = data.usage?.output_tokens != null ? mapAnthropicUsage(usage) : undefined;
          // With input_tokens in neither event the prompt's count is unknown, not 0: the output count
          // goes as partial, and the gateway bills it beside its estimate of the prompt.
          if (counted) parts.push(usage.input_tokens !== undefined ? { type: 'usage', usage: counted } : { type: 'usage', usage: counted, partial: true });
          return parts;
        }
        case 'message_stop':
          stopped = true;
          return pendingParts();
        case 'error':
          throw mapAnthropicErrorBody(provider, data as AnthropicErrorEnvelope);
        default:
          // ping, and event types added later, carry nothing to pass on.
          return [];
      }
    },
    end(): StreamPart[] {
      if (!begun) throw invalid('stream ended before the message began');
      if (!stopped && !finished) throw invalid('stream ended before the message was complete');
      return [];
    },
    needsContent: () => pending.size > 0,
    // Anthropic writes nothing after message_stop: the answer ends there, whatever the body does next.
    isComplete: () => stopped,
  };

  /** A delta's parts; an `input_json_delta` settles that the pieces make the input, one that is not empty that they hold some. */
  function deltaParts(block: BlockKind | undefined, delta: StreamEventData['delta']): StreamPart[] {
    if (block && (block.kind === 'tool' || block.kind === 'json-answer') && pending.has(block) && isJsonObject(delta)) {
      // Any piece that is text, even empty: the SDK then reads the input from the pieces alone.
      if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
        block.startInput = undefined;
        if (delta.partial_json !== '') pending.delete(block);
      }
    }
    return decodeDelta(block, delta);
  }

  /** At a block's stop: the start's input as its arguments (or JSON answer) when no piece replaced it, `{}` when nothing made them. */
  function settledParts(block: ToolBlock): StreamPart[] {
    if (!pending.delete(block)) return [];
    const input = block.startInput ?? '{}';
    block.startInput = undefined;
    return block.kind === 'tool' ? [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: input }] : [{ type: 'text-delta', delta: input }];
  }

  function pendingParts(): StreamPart[] {
    return [...pending].flatMap(settledParts);
  }

  function track<T extends ToolBlock>(block: T): T {
    pending.add(block);
    return block;
  }

  function startBlock(index: number, block: AnthropicResponseBlock | undefined): StreamPart[] {
    switch (block?.type) {
      case 'text': {
        blocks.set(index, { kind: 'text' });
        const text = nonEmptyText(block.text);
        return text ? [{ type: 'text-delta', delta: text }] : [];
      }
      case 'thinking': {
        const startSignature = nonEmptyText(block.signature);
        blocks.set(index, startSignature ? { kind: 'reasoning', startSignature } : { kind: 'reasoning' });
        const thinking = nonEmptyText(block.thinking);
        return thinking ? [{ type: 'reasoning-delta', delta: thinking }] : [];
      }
      case 'redacted_thinking': {
        blocks.set(index, { kind: 'ignored' });
        const data = nonEmptyText(block.data);
        return data ? [{ type: 'reasoning-redacted', data }] : [];
      }
      case 'tool_use': {
        const name = nonEmptyText(block.name);
        if (name === jsonResponseToolName) {
          blocks.set(index, track({ kind: 'json-answer', startInput: wholeInputText(block.input) }));
          return [];
        }
        // A call without a name cannot be made: the block and its input are left out.
        if (name === undefined) {
          blocks.set(index, { kind: 'ignored' });
          return [];
        }
        const toolIndex = toolCount++;
        blocks.set(index, track({ kind: 'tool', toolIndex, startInput: wholeInputText(block.input) }));
        return [{ type: 'tool-call-start', index: toolIndex, id: typeof block.id === 'string' ? block.id : '', name }];
      }
      default:
        // Server tool blocks: nothing the client can use.
        blocks.set(index, { kind: 'ignored' });
        return [];
    }
  }
}

/**
 * A block's delta → parts. Only text where text belongs (the fields are checked, not
 * trusted: a parsed event's `text` may be 12345 or {}); an event read by readBlockDelta
 * holds strings by its pattern.
 */
function decodeDelta(block: BlockKind | undefined, delta: StreamEventData['delta']): StreamPart[] {
  if (!block || !isJsonObject(delta)) return [];
  switch (delta.type) {
    case 'text_delta': {
      const text = nonEmptyText(delta.text);
      return block.kind === 'text' && text ? [{ type: 'text-delta', delta: text }] : [];
    }
    case 'thinking_delta': {
      const thinking = nonEmptyText(delta.thinking);
      return block.kind === 'reasoning' && thinking ? [{ type: 'reasoning-delta', delta: thinking }] : [];
    }
    case 'signature_delta': {
      const signature = nonEmptyText(delta.signature);
      if (block.kind !== 'reasoning' || !signature) return [];
      block.startSignature = undefined;
      return [{ type: 'reasoning-signature', signature }];
    }
    case 'input_json_delta': {
      // The first fragment is often empty; an empty delta says nothing.
      const fragment = nonEmptyText(delta.partial_json);
      if (!fragment) return [];
      if (block.kind === 'tool') return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: fragment }];
      if (block.kind === 'json-answer') return [{ type: 'text-delta', delta: fragment }];
      return [];
    }
    default:
      // citations_delta is not passed on.
      return [];
  }
}

/** At a thinking block's stop: the signature its start carried, when no delta signed it. */
function signedParts(block: ReasoningBlock): StreamPart[] {
  const signature = block.startSignature;
  if (!signature) return [];
  block.startSignature = undefined;
  return [{ type: 'reasoning-signature', signature }];
}

/** The JSON text of a start's input that is an object with fields; undefined for `{}` (Anthropic's) and anything else. */
function wholeInputText(input: unknown): string | undefined {
  return isJsonObject(input) && Object.keys(input).length > 0 ? JSON.stringify(input) : undefined;
}

/** The prompt's counts: message_delta repeats them as message_start gave them, cumulative. */
const inputCounts = ['input_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

/**
 * `later` (message_delta's counts) with each prompt count lower than `earlier`'s (message_start's)
 * put back: a cumulative count does not go down, and a proxy's `input_tokens: 0` there had the
 * prompt billed as the gateway's estimate (9 tokens for 4,000). Counts that are not ones are left to mapAnthropicUsage.
 */
function notBelow(earlier: AnthropicUsage, later: AnthropicUsage): AnthropicUsage {
  for (const key of inputCounts) {
    const before = readTokenCount(earlier[key]);
    const after = readTokenCount(later[key]);
    if (before !== undefined && after !== undefined && after < before) later[key] = earlier[key];
  }
  return later;
}

function definedFields(usage: AnthropicUsage | undefined): AnthropicUsage {
  const defined: AnthropicUsage = {};
  if (typeof usage !== 'object' || usage === null) return defined;
  for (const [key, value] of Object.entries(usage) as Array<[keyof AnthropicUsage, unknown]>) {
    // Kept as it came, for mapAnthropicUsage to judge: a count that is not one must not go unseen.
    if (value !== undefined && value !== null) defined[key] = value;
  }
  return defined;
}
