import { describe, expect, it } from 'vitest';
import { SecretRedactor } from '../src/index.js';

/**
 * A known secret as an upstream quoting the form or query string it was sent writes it:
 * `application/x-www-form-urlencoded` writes a space as `+` (URLSearchParams, Python's
 * urlencode), and any character beyond ASCII as the percent-encoded bytes of its UTF-8.
 */
const formEncoded = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

describe('SecretRedactor and a known secret form-encoded', () => {
  const phrase = 'correct horse battery staple 42';
  const accented = 'clé-secrète-Ünïcødé-2024';
  const redactor = new SecretRedactor([phrase, accented]);

  it('blanks a secret holding spaces written with `+` for each, whole, in part and mixed with `%20`', () => {
    const plus = formEncoded(phrase);
    expect(plus).toBe('correct+horse+battery+staple+42');
    for (const spelled of [plus, plus.replace('+', '%20'), `api_key=${plus}&x=1`, plus.slice(0, 20), plus.slice(-20)]) {
      const out = redactor.redact(`upstream said: ${spelled} (refused)`);
      expect(out).toContain('[REDACTED]');
      for (const part of [plus.slice(0, 12), plus.slice(-12), 'horse+battery']) expect(out).not.toContain(part);
    }
    expect(redactor.redact(`body: api_key=${plus}&x=1`)).toBe('body: api_key=[REDACTED]&x=1');
    // A `+` spells a space only: the same words joined by another character are no spelling of the secret.
    expect(redactor.redact('correct-horse-battery-staple-42')).toBe('correct-horse-battery-staple-42');
  });

  it('blanks a secret beyond ASCII percent-encoded as UTF-8 bytes, in either case of hex, its % JSON-escaped or encoded again', () => {
    const encoded = encodeURIComponent(accented);
    expect(encoded).toContain('%C3%A9');
    const spellings = [
      encoded,
      encoded.replace(/%[0-9A-F]{2}/g, (byte) => byte.toLowerCase()),
      formEncoded(accented),
      encoded.replace(/%/g, '%25'),
      encoded.replace(/%/g, '\\u0025'),
      // A quoted start or end, cut between characters.
      encodeURIComponent(accented.slice(0, 16)),
      encodeURIComponent(accented.slice(-16)),
    ];
    for (const spelled of spellings) {
      const out = redactor.redact(`{"error":"key ${spelled} is invalid"}`);
      expect(out).toBe('{"error":"key [REDACTED] is invalid"}');
    }
  });

  it('blanks the same spellings through redactKnown (the fast path) and in a stream whose pieces split them', () => {
    const plus = formEncoded(phrase);
    expect(redactor.redactKnown(`q=${plus}`)).toBe('q=[REDACTED]');
    expect(redactor.redactKnown(`q=${encodeURIComponent(accented)}`)).toBe('q=[REDACTED]');
    // A stream holds back the end of a piece that may be the start of a secret the next piece completes.
    for (const text of [`q=${plus}`, `q=${encodeURIComponent(accented)}`]) {
      for (let cut = 3; cut < text.length; cut++) {
        expect(redactor.possibleStartAt(text, 0, cut)).toBe(2);
      }
    }
  });
});
