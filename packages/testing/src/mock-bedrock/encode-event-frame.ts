import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * One binary event-stream message with string headers and a JSON payload (prelude and
 * message CRCs included). A Buffer payload is taken as the payload's bytes as they are
 * (JSON text with escapes of its own, or bytes that are not JSON at all).
 */
export function encodeEventFrame(headers: Record<string, string>, payload: unknown): Buffer {
  const tagged = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }]));
  const body = Buffer.isBuffer(payload) ? new Uint8Array(payload) : fromUtf8(JSON.stringify(payload));
  return Buffer.from(codec.encode({ headers: tagged, body }));
}

/** A ConverseStream event frame: `:event-type`, `:content-type: application/json`, `:message-type: event`. */
export function encodeConverseEvent(eventType: string, payload: Record<string, unknown>): Buffer {
  return encodeEventFrame({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, payload);
}

/** Splits a byte-exact event-stream body back into its frames by their length prefixes. */
export function splitEventFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; ) {
    const total = bytes.readUInt32BE(offset);
    if (total < 16) throw new Error(`event-stream frame of impossible length ${total} at byte ${offset}`);
    frames.push(bytes.subarray(offset, offset + total));
    offset += total;
  }
  return frames;
}
