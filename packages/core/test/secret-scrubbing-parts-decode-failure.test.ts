import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../src/canonical/stream-part.js';
import { SecretRedactor } from '../src/errors/redact-secrets.js';
import { SecretScrubbingParts } from '../src/gateway/secret-scrubbing-parts.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';

const secret = 'sk-proj-4f9c2a7e1b8d3f6a0c5e9b2d7a1f4c8e';
const event = (data: string): ServerSentEvent => ({ event: undefined, data, id: undefined });

/**
 * A decoder reading each event's data as one text delta; an event whose data holds `|bad`
 * pushes the text before it and then throws, as a provider's decoder does for an event
 * whose first field reads and a later one does not.
 */
const decoder = {
  decodeInto(sse: ServerSentEvent, into: StreamPart[]): void {
    const [text, bad] = sse.data.split('|bad');
    if (text) into.push({ type: 'text-delta', delta: text });
    if (bad !== undefined) throw new Error('unreadable event');
  },
  decode(sse: ServerSentEvent): StreamPart[] {
    const into: StreamPart[] = [];
    this.decodeInto(sse, into);
    return into;
  },
  end: (): StreamPart[] => [],
};

/** The text a client reads before the stream fails, and the failure. */
function readUntilFailure(pieces: string[]): { text: string; error: unknown } {
  const scrubber = new SecretScrubbingParts(decoder, new SecretRedactor([secret]));
  let text = '';
  for (const piece of pieces) {
    const parts: StreamPart[] = [];
    try {
      scrubber.decodeInto(event(piece), parts);
    } catch (error) {
      return { text: text + parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join(''), error };
    }
    text += parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
  }
  return { text, error: undefined };
}

describe('SecretScrubbingParts when an event cannot be read', () => {
  it('the tail held back for the next delta goes out before the failure (it was lost: "Hi" read as "H")', () => {
    // `s` may start the secret: held back until the next delta says whether it does.
    const { text, error } = readUntilFailure(['Thanks', '|bad']);
    expect(error).toBeInstanceOf(Error);
    expect(text).toBe('Thanks');
  });

  it('text the failing event held before its unreadable field is scrubbed like any other', () => {
    const { text, error } = readUntilFailure(['the key is ', `${secret} here|bad`]);
    expect(error).toBeInstanceOf(Error);
    expect(text).not.toContain(secret.slice(0, 12));
    expect(text).toContain('[REDACTED]');
    expect(text.startsWith('the key is ')).toBe(true);
  });

  it('a start of the secret held back at the failure is blanked when long enough to tell', () => {
    const { text } = readUntilFailure(['the key is ', secret.slice(0, 20), '|bad']);
    expect(text).not.toContain(secret.slice(0, 12));
    expect(text.startsWith('the key is ')).toBe(true);
  });
});
