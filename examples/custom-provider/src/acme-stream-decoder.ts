import { GatewayError, parseUpstreamJson, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import type { AcmeStreamLine } from './acme-wire-types.js';
import { mapAcmeEndReason } from './map-acme-end-reason.js';
import { mapAcmeMeter } from './parse-acme-chat-response.js';

/**
 * Acme's stream lines → canonical parts: `begin` → stream-start, `chunk` → text-delta,
 * `end` → finish + usage, `fault` → a retryable server error. A stream without
 * `end` was cut short. Unknown kinds are ignored, so a new Acme line type breaks nothing.
 */
export function createAcmeStreamDecoder(provider: string): StreamDecoder {
  let ended = false;
  return {
    decode(event: ServerSentEvent): StreamPart[] {
      let line: AcmeStreamLine | null;
      try {
        // parseUpstreamJson, not JSON.parse: a line nested past the core's bound is refused here like a broken one.
        line = parseUpstreamJson(event.data) as AcmeStreamLine | null;
      } catch (error) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an unreadable stream line.`, { provider, cause: error });
      }
      // `null`, a number, an array: valid JSON, but not a line of ours.
      if (typeof line !== 'object' || line === null || Array.isArray(line)) {
        throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream line that is not an object.`, { provider });
      }
      switch (line.kind) {
        case 'begin':
          return [{ type: 'stream-start', id: String(line.ticket ?? ''), model: String(line.engine ?? ''), created: Math.floor(Date.now() / 1000) }];
        case 'chunk':
          return typeof line.text === 'string' && line.text !== '' ? [{ type: 'text-delta', delta: line.text }] : [];
        case 'end':
          ended = true;
          const usage = mapAcmeMeter(line.meter);
          // No usage part for a meter that cannot be read: the gateway bills the stream by its estimate.
          return [{ type: 'finish', finishReason: mapAcmeEndReason(line.ended_because) }, ...(usage ? [{ type: 'usage' as const, usage }] : [])];
        case 'fault':
          throw new GatewayError('upstream_server_error', `${provider} failed while streaming.`, { provider });
        default:
          return [];
      }
    },
    end(): StreamPart[] {
      if (!ended) throw new GatewayError('upstream_invalid_response', `The ${provider} upstream stream ended before its end line.`, { provider });
      return [];
    },
  };
}
