import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../src/canonical/stream-part.js';
import { heldRunLength, SecretRedactor } from '../src/errors/redact-secrets.js';
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

/** Each character of `text` as itself, a decimal or hex HTML reference, or one escaped twice (`&amp;#115;`), by `styles` in turn. */
const htmlReferences = (text: string, styles: number[]) =>
  [...text].map((char, index) => [char, `&#${char.charCodeAt(0)};`, `&#x${char.charCodeAt(0).toString(16)};`, `&amp;#${char.charCodeAt(0)};`][styles[index % styles.length]! % 4]).join('');

/** What a reader of the page sees: the references decoded (twice). */
const htmlDecoded = (text: string) =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&#x([0-9a-f]+);/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, decimal: string) => String.fromCharCode(Number(decimal)));

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

  it('property: a known secret spelled with HTML character references (an error page the model quotes), cut into deltas anywhere (inside a reference too), never reaches the client whole or as a long start or end', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (secret, styles, places) => {
        fc.pre(secret.length >= 12 && styles.some((style) => style % 4 > 0));
        const text = `<p>key ${htmlReferences(secret, styles)} refused</p>`;
        const read = htmlDecoded(streamed(new SecretRedactor([secret]), cut(text, places)));
        expect(read).not.toContain(secret.slice(0, 12));
        expect(read).not.toContain(secret.slice(-12));
        expect(read.startsWith('<p>key ')).toBe(true);
        expect(read.endsWith(' refused</p>')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a quoted end of a known secret spelled with HTML character references, cut into deltas anywhere, never reaches the client 12 characters in a row', () => {
    fc.assert(
      fc.property(secretArbitrary, fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (secret, cut12, styles, places) => {
        fc.pre(secret.length > 12 && styles.some((style) => style % 4 > 0));
        const end = secret.slice(cut12 % (secret.length - 12));
        const text = `<p>key ${htmlReferences(end, styles)} refused</p>`;
        const read = htmlDecoded(streamed(new SecretRedactor([secret]), cut(text, places)));
        for (let at = 0; at + 12 <= end.length; at++) expect(read).not.toContain(end.slice(at, at + 12));
        expect(read.startsWith('<p>key ')).toBe(true);
        expect(read.endsWith(' refused</p>')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a quoted end of a known secret (12 characters or more) in any JSON spelling, cut into deltas anywhere, never reaches the client 12 characters in a row', () => {
    fc.assert(
      fc.property(spelledSecretArbitrary, fc.nat(), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 12 }), (spelled, cut12, before, after, places) => {
        fc.pre(spelled.secret.length > 12 && !before.includes('\\') && !after.includes('\\') && !before.includes('%'));
        const from = cut12 % (spelled.secret.length - 12);
        const end = { secret: spelled.secret.slice(from), spellings: spelled.spellings.slice(from) };
        const text = `${before} ${spellSecret(end, 1)} ${after}`;
        const read = unescapeAll(streamed(new SecretRedactor([spelled.secret]), cut(text, places)));
        for (let at = 0; at + 12 <= end.secret.length; at++) expect(read).not.toContain(end.secret.slice(at, at + 12));
        expect(read.startsWith(`${before} `)).toBe(true);
        expect(read.endsWith(` ${after}`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: tool-call arguments quoting an end of a known secret, escaped and cut anywhere (inside an escape too), still parse as JSON once joined', () => {
    fc.assert(
      fc.property(spelledSecretArbitrary, fc.nat(), fc.array(fc.nat(), { maxLength: 12 }), (spelled, cut12, places) => {
        fc.pre(spelled.secret.length > 12);
        const from = cut12 % (spelled.secret.length - 12);
        const end = { secret: spelled.secret.slice(from), spellings: spelled.spellings.slice(from) };
        const args = `{"token":"${spellSecret(end, 1)}","n":1}`;
        const scrubber = new SecretScrubbingParts({ decode: (event) => [{ type: 'tool-call-delta', index: 0, argumentsDelta: event.data }], end: () => [] }, new SecretRedactor([spelled.secret]));
        const parts = [...cut(args, places).flatMap((data) => scrubber.decode({ event: undefined, data, id: undefined })), ...scrubber.end()];
        const joined = parts.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
        expect((JSON.parse(joined) as { n: number }).n).toBe(1);
        expect(joined).toContain('[REDACTED]');
      }),
      { numRuns: 300 },
    );
  });

  it('a quoted end cut one character a delta: at most heldRunLength - 1 of its characters before the blank', () => {
    const secret = 'AB-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const read = streamed(new SecretRedactor([secret]), [...`Key ends ${secret.slice(-20)} ok.`]);
    expect(read).toBe(`Key ends ${secret.slice(-20, -20 + heldRunLength - 1)}[REDACTED] ok.`);
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

  it('holds a start of the key (or a run of it) right after a whole \\u escape: that escape ended, the key begins after it', () => {
    const redactor = new SecretRedactor(['sk-proj-LOGPROBs3cr3t/KEY+0123456789abcdefXYZ']);
    // An escaped space, then the key's start, plain or escaped (a JSON writer escaping everything).
    expect(redactor.possibleStartAt('is\\u0020sk-pr')).toBe(8);
    expect(redactor.possibleStartAt('is\\u0020\\u0073\\u006B')).toBe(8);
    // The same with the escaped space already sent (what a stream keeps of it), the key's start in the next piece.
    const sent = '\\u0020\\u0069\\u0073\\u0020';
    const text = `${sent}\\u0073\\u006B\\u002d\\u0070\\u0072`;
    expect(redactor.possibleStartAt(text, sent.length, text.length, 0)).toBe(sent.length);
    // Inside an escape still holds nothing from there.
    expect(redactor.possibleStartAt('a\\u0073')).toBe(1);
  });
});
