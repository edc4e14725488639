import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/create-logger.js';

const key = 'sk-proj-NESTEDs3cr3tKEY0123456789abcdef';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('error serialisation in log lines', () => {
  it('blanks a key-shaped secret in any field of the error, nested objects and lists included (an SDK error keeps the request it sent)', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('request failed'), {
      request: { headers: { Authorization: `Bearer ${key}` }, url: `https://proxy/v1?key=${key}` },
      attempts: [{ sent: { 'x-api-key': key } }],
      response: { body: { error: { message: `Incorrect API key provided: ${key}` } } },
    });
    logger.error({ err: error }, 'a plugin failed');
    logger.debug({ err: new Error('outer', { cause: error }) }, 'wrapped');
    const text = lines.join('');
    expect(text).toContain('request failed');
    expect(text).toContain('https://proxy/v1?key=[REDACTED]');
    expect(text).not.toContain(key.slice(-12));
  });

  it('blanks a key-shaped secret that follows a percent-encoded character (a URL quoted inside another, a header written into a query)', () => {
    const { logger, lines } = capture();
    const gemini = 'AIzaSyD3mo0123456789abcdefghijklmnopq';
    const aws = 'AKIAQ3EGRTHYUJ7EXMPL';
    const error = Object.assign(new Error(`upstream refused ${encodeURIComponent(`https://generativelanguage.googleapis.com/v1beta/models?key=${gemini}`)}`), {
      url: `https://proxy.internal/forward?auth=Bearer%20${key}&credential=Credential%3D${aws}%2F20250101`,
    });
    logger.warn({ err: error }, 'a plugin failed');
    const text = lines.join('');
    expect(text).toContain('upstream refused https%3A%2F%2Fgenerativelanguage.googleapis.com');
    for (const secret of [gemini, key, aws]) expect(text).not.toContain(secret.slice(-12));
  });

  it("blanks the password of a URL a parser refused, when the password holds an unencoded '/' (the URL is invalid, and its error keeps it as input)", () => {
    const { logger, lines } = capture();
    // What ioredis and pg throw for such a URL: Node's own TypeError, the URL whole in its `input`.
    const refused = (() => {
      try {
        new URL('redis://default:Pa55wordXyz9/Q+restOfSecret@cache.internal:6379/0');
      } catch (error) {
        return error;
      }
      throw new Error('the URL parsed');
    })();
    logger.error({ err: refused }, 'could not finish starting');
    const text = lines.join('');
    expect(text).toContain('redis://default:[REDACTED]@cache.internal:6379/0');
    expect(text).not.toContain('Pa55wordXyz9');
    expect(text).not.toContain('restOfSecret');
  });

  it('keeps an error whose fields refer to each other, and bounds how deep it looks', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('loop'), { self: undefined as unknown, deep: {} as Record<string, unknown> });
    error.self = error;
    let level = error.deep;
    for (let depth = 0; depth < 100; depth++) level = level['next'] = { note: `Bearer ${key}` };
    logger.error({ err: error }, 'looped');
    expect(lines.join('')).toContain('loop');
    expect(lines.join('')).not.toContain(key.slice(-12));
  });
});
