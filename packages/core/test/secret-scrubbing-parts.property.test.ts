import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../src/canonical/stream-part.js';
import { SecretRedactor } from '../src/errors/redact-secrets.js';
import { SecretScrubbingParts } from '../src/gateway/secret-scrubbing-parts.js';
import type { ServerSentEvent } from '../src/transport/server-sent-event.js';
import { secretArbitrary, spelledSecretArbitrary, spellSecret, unescapeAll } from '../../../test/support/secret-variants.js';

/** A decoder reading each event's data as one text delta. */
const textDecoder = { decode: (event: ServerSentEvent): StreamPart[] => [{ type: 'text-delta', delta: event.data }], end: (): StreamPart[] => [] };

/** What a client reads of `pieces` streamed as text deltas through the scrubber. */
function streamed(redactor: SecretRedactor, pieces: string[]): string {
  const scrubber = new SecretScrubbingParts(textDecoder, redactor);
  const parts = [...pieces.flatMap((data) => scrubber.decode({ event: undefined, data, id: undefined })), ...scrubber.end()];
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

/** `text` cut at the given places (each taken modulo its length). */
function cut(text: string, places: number[]): string[] {
  const bounds = [...new Set(places.map((place) => place % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...bounds].map((from, index) => text.slice(from, [...bounds, text.length][index]));
}

describe('SecretScrubbingParts', () => {
  it('property: a known secret in any JSON spelling, cut into deltas anywhere, never reaches the client whole or as a long start or end', () => {
    fc.assert(
      fc.property(spelledSecretArbitrary, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 }), (spelled, before, after, places) => {
        fc.pre(spelled.secret.length >= 12 && !before.includes('\\') && !after.includes('\\') && !before.includes('%'));
        const text = `${before} ${spellSecret(spelled, 1)} ${after}`;
        const read = unescapeAll(streamed(new SecretRedactor([spelled.secret]), cut(text, places)));
        expect(read).not.toContain(spelled.secret.slice(0, 12));
        expect(read).not.toContain(spelled.secret.slice(-12));
        expect(read.startsWith(`${before} `)).toBe(true);
        expect(read.endsWith(` ${after}`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: text without the secret reads as it came, whatever it is cut into', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.string({ maxLength: 80 }), fc.array(fc.nat(), { maxLength: 10 }), (secret, text, places) => {
        const redactor = new SecretRedactor([secret]);
        fc.pre(redactor.redactKnown(text) === text);
        expect(streamed(redactor, cut(text, places))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('hands on the very same part for a delta that ends in no possible start', () => {
    const redactor = new SecretRedactor(['sk-proj-abcdefghijklmnop']);
    const part: StreamPart = { type: 'text-delta', delta: 'Paris.' };
    const scrubber = new SecretScrubbingParts({ decode: () => [part], end: () => [] }, redactor);
    expect(scrubber.decode({ event: undefined, data: 'x', id: undefined })[0]).toBe(part);
    expect(redactor.possibleStartAt('results')).toBe(6);
    expect(redactor.possibleStartAt('key \\u00')).toBe(4);
    expect(redactor.possibleStartAt('Paris.')).toBe(6);
  });
});
