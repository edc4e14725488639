import { GatewayError, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart, type UpstreamResponseInfo } from '@switchyard/core';
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

  function invalid(message: string, cause?: unknown): GatewayError {
    return new GatewayError('upstream_invalid_response', `The ${provider} upstream ${message}.`, { provider, cause });
  }

  return {
    decode(event: ServerSentEvent): StreamPart[] {
      let payload: ConverseStreamPayload;
      try {
        payload = parseUpstreamJson(event.data) as ConverseStreamPayload;
      } catch (error) {
        throw invalid('sent an unreadable stream event', error);
      }
      const type = event.event ?? '';
      if (!eventTypes.has(type)) {
        // Exception names end in `Exception`; other unknown events are later additions and carry nothing we use.
        if (/exception$/i.test(type)) throw mapBedrockException(provider, type, payload as BedrockErrorBody);
        if (type === 'error') throw mapBedrockException(provider, (payload as { code?: string }).code, payload as BedrockErrorBody);
        return [];
      }
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
        case 'messageStop':
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
        // messageStart and contentBlockStop carry nothing more to pass on.
      }
      return parts;
    },
    end(): StreamPart[] {
      if (!stopped || !usageSeen) throw invalid('stream ended before the message was complete');
      return [];
    },
  };

  function startBlock(payload: ConverseStreamPayload): StreamPart[] {
    const toolUse = payload.start?.toolUse;
    if (!toolUse) return [];
    const index = payload.contentBlockIndex ?? -1;
    if (toolUse.name === jsonResponseToolName) {
      jsonAnswered = true;
      blocks.set(index, { kind: 'json-answer' });
      return [];
    }
    const toolIndex = toolCount++;
    blocks.set(index, { kind: 'tool', toolIndex });
    return [{ type: 'tool-call-start', index: toolIndex, id: String(toolUse.toolUseId), name: String(toolUse.name) }];
  }

  function decodeDelta(payload: ConverseStreamPayload): StreamPart[] {
    const delta = payload.delta;
    if (!delta) return [];
    if (typeof delta.text === 'string') return delta.text ? [{ type: 'text-delta', delta: delta.text }] : [];
    if (delta.toolUse) {
      const fragment = delta.toolUse.input;
      const block = blocks.get(payload.contentBlockIndex ?? -1);
      // The first fragment is often empty; an empty delta says nothing.
      if (!fragment || !block) return [];
      if (block.kind === 'json-answer') return [{ type: 'text-delta', delta: fragment }];
      return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: fragment }];
    }
    // Signatures and redacted reasoning have no canonical stream part.
    const reasoning = delta.reasoningContent?.text;
    return reasoning ? [{ type: 'reasoning-delta', delta: reasoning }] : [];
  }
}
