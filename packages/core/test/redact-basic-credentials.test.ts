import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging/create-logger.js';
import { redactSecrets } from '../src/index.js';

/**
 * An HTTP `Basic` credential (`Authorization: Basic base64(user:password)`) that no config
 * names: an SDK's or an HTTP client's error keeps the request it sent, and an upstream or a
 * proxy may echo it. Its password is no key-shaped string, and base64 hides any that is.
 */
const password = 'Zq8hV3nK5tW1xY7bR2cJ';
const token = Buffer.from(`app:${password}`).toString('base64');

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

describe('redaction of an HTTP Basic credential no config names', () => {
  it('blanks the scheme and its token, its space written plainly, percent- or form-encoded, or JSON-escaped', () => {
    for (const [spelled, blanked] of [
      [`Authorization: Basic ${token}`, 'Authorization: [REDACTED]'],
      [`authorization=basic%20${token}&x=1`, 'authorization=[REDACTED]&x=1'],
      [`Authorization=Basic+${encodeURIComponent(token)}`, 'Authorization=[REDACTED]'],
      [`{"headers":{"Authorization":"Basic\\u0020${token}"}}`, '{"headers":{"Authorization":"[REDACTED]"}}'],
      [`Basic ${Buffer.from(`sk-user:${password}`).toString('base64url')}`, '[REDACTED]'],
      [`url=x%3Fauth%3DBasic%20${token}%22%7D`, 'url=x%3Fauth%3D[REDACTED]%22%7D'],
    ]) {
      const out = redactSecrets(spelled!);
      expect(out).toBe(blanked);
      expect(out).not.toContain(token.slice(0, 12));
    }
  });

  it('keeps the word Basic in prose, and a token that is no base64 of a printable user:password', () => {
    for (const text of [
      'Basic authentication failed for this endpoint',
      'The Basic plan includes 1000 requests',
      'WWW-Authenticate: Basic realm="api", charset="UTF-8"',
      `Basic ${Buffer.from('Aladdin opened the door').toString('base64')}`,
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('blanks a Basic credential an error carries in its fields, in a log line', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('request failed with status 502'), {
      request: { headers: { Authorization: `Basic ${token}` } },
      config: { auth: `basic ${token}` },
    });
    logger.error({ err: error }, 'upstream call failed');
    const line = lines.join('');
    expect(line).toContain('[REDACTED]');
    expect(line).not.toContain(token);
    expect(line).not.toContain(token.slice(-12));
  });
});
