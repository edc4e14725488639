import { afterEach, describe, expect, it } from 'vitest';
import { SecretRedactor } from '../src/errors/redact-secrets.js';

// An AWS STS session token (the Bedrock provider's session_token) is ~1,100 characters of base64.
const token = Array.from({ length: 1100 }, (_, at) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[(at * 37 + (at >> 3)) % 64]).join('');
const apiKey = 'sk-proj-4f9c2a7e1b8d3f6a0c5e9b2d7a1f4c8e';
const secretsLength = token.length + apiKey.length;

const NativeRegExp = globalThis.RegExp;
let built: number[] = [];

/** Records the source length of every expression built with the constructor (as the redactor builds its own). */
function recordExpressions(): void {
  built = [];
  globalThis.RegExp = new Proxy(NativeRegExp, {
    construct(target, args) {
      const made = new target(...(args as [string, string?]));
      built.push(made.source.length);
      return made;
    },
  });
}

afterEach(() => {
  globalThis.RegExp = NativeRegExp;
});

/** A stream's text in pieces through the held-tail logic, as SecretScrubbingParts runs it: what reached the client. */
function streamed(redactor: SecretRedactor, pieces: string[]): string {
  let sent = '';
  let held = '';
  let out = '';
  for (const piece of pieces) {
    const text = sent + held + piece;
    const at = redactor.possibleStartAt(text, sent.length, text.length, 0);
    out += redactor.redactSent(text, sent.length, at);
    sent = text.slice(redactor.keptFrom(text, at), at);
    held = text.slice(at);
  }
  return out + redactor.redactSent(sent + held, sent.length);
}

describe('a long known secret (an STS session token)', () => {
  it('is found in every spelling by expressions whose size does not grow with every spelling of every character', () => {
    recordExpressions();
    const redactor = new SecretRedactor([token, apiKey]);
    const escaped = [...token].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    expect(redactor.redact(`bad token ${token} here`)).toBe('bad token [REDACTED] here');
    expect(redactor.redact(`token ${token.slice(0, 40)}… rejected`)).toBe('token [REDACTED]… rejected');
    expect(redactor.redact(`token …${token.slice(-40)} rejected`)).toBe('token …[REDACTED] rejected');
    expect(redactor.redact(`{"t":"${escaped}"}`)).toBe('{"t":"[REDACTED]"}');
    expect(redactor.redact(`?X-Amz-Security=${encodeURIComponent(token)}`)).toBe('?X-Amz-Security=[REDACTED]');
    const echoed = token; // echoed whole in pieces, as an upstream streaming the headers it got does
    const pieces = Array.from({ length: Math.ceil(echoed.length / 7) }, (_, index) => echoed.slice(index * 7, index * 7 + 7));
    const out = streamed(redactor, [`echo: `, ...pieces, ' done']);
    expect(out).not.toContain(echoed.slice(-12));
    expect(out).toMatch(/^echo: .{0,3}\[REDACTED\] done$/);
    // Every character in every JSON and percent spelling, in one expression, was ~140 characters of
    // source per character of the secrets: V8 took about a second to compile it for its first use.
    expect(built.length).toBeGreaterThan(0);
    expect(Math.max(...built)).toBeLessThan(secretsLength * 16);
  });
});
