import { GatewayError, nonEmptyText, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart, type UpstreamResponseInfo, isJsonObject } from '@switchyard/core';
import type { BedrockErrorBody, BedrockUsage, ConverseStreamPayload } from './bedrock-wire-types.js';
import { jsonResponseToolName } from './json-response-tool.js';
import { mapBedrockException } from './map-bedrock-error.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';
import { mapBedrockUsage } from './map-bedrock-usage.js';
import { readRequestId } from './read-request-id.js';


/** What a content block turns into, by its `contentBlockIndex`. Text blocks have no start event. */
type BlockKind = { kind: 'tool'; toolIndex: number } | { kind: 'json-answer' };

const eventTypes = new Set(['messageStart', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);

/**
 * ConverseStream events (framed by {@link createEventStreamFramer}) → canonical
 * parts. Tool calls are numbered from 0 over the tool blocks only. The stop reason
 * (`messageStop`) and usage (`metadata`, the last event) come separately; a stream
 * that ends without both was cut short. Exception frames fail the stream with
 * the mapped error. The `p` padding field of every payload is ignored.
 */
export function createConverseStreamDecoder(provider = 'bedrock', info?: UpstreamResponseInfo): StreamDecoder {
  const blocks = new Map<number, BlockKind>();
  let toolCount = 0;
  let jsonAnswered = false;
  let started = false;
  let stopped = false;
  let usageSeen = false;
  /**
   * Tool blocks that have streamed no input yet: a tool without parameters sends one empty
   * fragment or none. Each gets `{}` at its stop (or the message's), as the whole answer's
   * `input: {}` reads and OpenAI writes such a call: `""` is not JSON.
   */
  const inputless = new Set<BlockKind>();

  /** An exception's payload, or none when it is not a JSON object: the exception's name still says what failed. */
  function errorBody(data: string): BedrockErrorBody {
    try {
      const parsed = parseUpstreamJson(data);
      return (isJsonObject(parsed) ? parsed : {}) as BedrockErrorBody;
    } catch {
      return {};
    }
  }

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  return {
    // The stop and then the usage (metadata, the last event) end the answer: frames after them are not read.
    isComplete: () => stopped && usageSeen,
    decode(event: ServerSentEvent): StreamPart[] {
      const type = event.event ?? '';
      if (!eventTypes.has(type)) {
        // Exception names end in `Exception`; other unknown events are later additions and carry nothing we use,
        // so their payload is not read at all (one that is not JSON is skipped like any other).
        if (/exception$/i.test(type)) throw mapBedrockException(provider, type, errorBody(event.data));
        if (type === 'error') {
          const body = errorBody(event.data);
          throw mapBedrockException(provider, (body as { code?: string }).code, body);
        }
        return [];
      }
      let parsed: unknown;
      try {
        parsed = parseUpstreamJson(event.data);
      } catch (error) {
        throw invalid('sent an unreadable stream event', error);
      }
      // A payload of `null` or `5` is none: read as one, its fields threw a TypeError, reported as a broken-off answer.
      const payload = (isJsonObject(parsed) ? parsed : undefined) as ConverseStreamPayload | undefined;
      if (!payload) throw invalid('sent a stream event that is not an object');
      const parts: StreamPart[] = [];
      // A proxy might drop messageStart; the metadata part must still come first.
      if (!started) {
        started = true;
        const id = readRequestId(info);
        parts.push({ type: 'stream-start', id: id ?? `bedrock-${Date.now()}`, model: '', created: Math.floor(Date.now() / 1000) });
      }
      switch (type) {
        case 'contentBlockStart':
          parts.push(...startBlock(payload));
          break;
        case 'contentBlockDelta':
          parts.push(...decodeDelta(payload));
          break;
        case 'contentBlockStop': {
          const block = blocks.get(payload.contentBlockIndex ?? -1);
          if (block) parts.push(...settle(block));
          break;
        }
        case 'messageStop':
          // A block never stopped is settled too, before the finish.
          for (const block of inputless) parts.push(...settle(block));
          stopped = true;
          parts.push({ type: 'finish', finishReason: mapBedrockStopReason(payload.stopReason, jsonAnswered && toolCount === 0) });
          break;
        case 'metadata': {
          usageSeen = true;
          // An unreadable usage is left out: the stream is then billed the gateway's estimate.
          const usage = mapBedrockUsage(payload.usage as BedrockUsage | undefined);
          if (usage) parts.push({ type: 'usage', usage });
          break;
        }
        // messageStart carries nothing more to pass on.
      }
      return parts;
    },
    end(): StreamPart[] {
      if (!stopped || !usageSeen) throw invalid('stream ended before the message was complete');
      return [];
    },
  };

  // Only text where text belongs: a tool name or id of 5 or {} ("5", "[object Object]"), a tool
  // input or reasoning text that is a number or an object (passed on as it came) is not passed on.
  function startBlock(payload: ConverseStreamPayload): StreamPart[] {
    const toolUse = isJsonObject(payload.start) ? payload.start['toolUse'] : undefined;
    if (!isJsonObject(toolUse)) return [];
    const name = nonEmptyText(toolUse['name']);
    // A call without a name cannot be made: no block is kept, so its input is left out too.
    if (name === undefined) return [];
    const index = payload.contentBlockIndex ?? -1;
    if (name === jsonResponseToolName) {
      jsonAnswered = true;
      blocks.set(index, track({ kind: 'json-answer' }));
      return [];
    }
    const toolIndex = toolCount++;
    blocks.set(index, track({ kind: 'tool', toolIndex }));
    return [{ type: 'tool-call-start', index: toolIndex, id: typeof toolUse['toolUseId'] === 'string' ? toolUse['toolUseId'] : '', name }];
  }

  function track(block: BlockKind): BlockKind {
    inputless.add(block);
    return block;
  }

  /** `{}` as the input of a block that streamed none; nothing for any other. */
  function settle(block: BlockKind): StreamPart[] {
    if (!inputless.delete(block)) return [];
    return block.kind === 'tool' ? [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: '{}' }] : [{ type: 'text-delta', delta: '{}' }];
  }

  function decodeDelta(payload: ConverseStreamPayload): StreamPart[] {
    const delta = payload.delta;
    if (!isJsonObject(delta)) return [];
    if (typeof delta['text'] === 'string') return delta['text'] ? [{ type: 'text-delta', delta: delta['text'] }] : [];
    if (isJsonObject(delta['toolUse'])) {
      const fragment = nonEmptyText(delta['toolUse']['input']);
      const block = blocks.get(payload.contentBlockIndex ?? -1);
      // The first fragment is often empty; an empty delta says nothing.
      if (!fragment || !block) return [];
      inputless.delete(block);
      if (block.kind === 'json-answer') return [{ type: 'text-delta', delta: fragment }];
      return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: fragment }];
    }
    const content = delta['reasoningContent'];
    if (!isJsonObject(content)) return [];
    const reasoning = nonEmptyText(content['text']);
    if (reasoning) return [{ type: 'reasoning-delta', delta: reasoning }];
    // The signature ends its reasoning block; redacted reasoning (base64) is a block of its own. Both go back as they came.
    const signature = nonEmptyText(content['signature']);
    if (signature) return [{ type: 'reasoning-signature', signature }];
    const redacted = nonEmptyText(content['redactedContent']);
    return redacted ? [{ type: 'reasoning-redacted', data: redacted }] : [];
  }
}
