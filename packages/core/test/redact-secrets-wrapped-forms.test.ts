import { describe, expect, it } from 'vitest';
import { SecretRedactor } from '../src/errors/redact-secrets.js';

// A key whose base64 holds a `/` (`???` is `Pz8/`), which a JSON writer may send as `\/`.
const key = 'sk-live-???-9c2a7e1b8d3f6a0c5e9b2d7a1f4c8e';
const base64 = Buffer.from(key).toString('base64');

describe('SecretRedactor: base64 of a secret wrapped over lines', () => {
  it('holds a / in its base64 (what the escaped-slash cases below rely on)', () => {
    expect(base64).toMatch(/\//);
  });

  it('is blanked whatever column the line break falls at, plain, CRLF or JSON-escaped, with its slashes escaped or not', () => {
    const redactor = new SecretRedactor([key]);
    for (let column = 1; column < base64.length; column++) {
      for (const eol of ['\n', '\r\n', '\\n', '\\r\\n']) {
        for (const slash of ['/', '\\/']) {
          const text = `token: ${base64.slice(0, column)}${eol}${base64.slice(column)}`.replaceAll('/', slash);
          const redacted = redactor.redact(text);
          expect(redacted, `${column} ${JSON.stringify(eol)} ${slash}`).toContain('[REDACTED]');
          expect(redacted).not.toContain(base64.slice(0, 12));
        }
      }
    }
  });

  it('leaves prose with line breaks between short words as it is', () => {
    const redactor = new SecretRedactor([key]);
    const prose = 'First line of the answer.\nSecond line\nwith words\r\nand a list:\n- one\n- two\\nthree';
    expect(redactor.redact(prose)).toBe(prose);
  });
});
