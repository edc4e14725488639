import { describe, expect, it } from 'vitest';
import { minQuotedPartLength, redactSecrets, SecretRedactor } from '../src/index.js';

describe('redactSecrets', () => {
  it('blanks known secrets and key-shaped strings', () => {
    const text =
      'Incorrect API key provided: sk-proj-****1a2b. Key AIzaSyA1234567890abcdefgh, bearer Bearer abc.def.ghi123, ours sy-0123456789abcdef, custom my-own-secret-value';
    const redacted = redactSecrets(text, ['my-own-secret-value']);
    for (const secret of ['sk-proj', 'AIzaSy', 'abc.def.ghi123', 'sy-0123', 'my-own-secret-value']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('Incorrect API key provided: [REDACTED]');
  });
});

describe('redactSecrets and key-shaped strings after a percent-encoded character', () => {
  it('blanks a key that follows %XX (a URL or header quoted inside another URL), not a word that only holds a prefix', () => {
    expect(redactSecrets('next=https%3A%2F%2Fgenerativelanguage.googleapis.com%2Fv1%3Fkey%3DAIzaSyD3mo0123456789abcdefghijk&x=1')).toBe(
      'next=https%3A%2F%2Fgenerativelanguage.googleapis.com%2Fv1%3Fkey%3D[REDACTED]&x=1',
    );
    expect(redactSecrets('Credential%3DASIAQ3EGRTHYUJ7SESSN%2F20250101')).toBe('Credential%3D[REDACTED]%2F20250101');
    expect(redactSecrets('authorization=Bearer%20abc.def.ghi123 and Bearer+abc.def.ghi123')).toBe('authorization=[REDACTED] and [REDACTED]');
    expect(redactSecrets('path%2Fdisk-images%2Ftask-runner and disk-images')).toBe('path%2Fdisk-images%2Ftask-runner and disk-images');
  });
});

describe('redactSecrets and the password of a URL', () => {
  it('blanks the password a URL carries (a database, Redis or proxy URL quoted in a message), keeping the rest to say which', () => {
    expect(redactSecrets("no storage plugin 'postgres://app:Hunter2-db-Secret@db.internal:5432/switchyard'")).toBe(
      "no storage plugin 'postgres://app:[REDACTED]@db.internal:5432/switchyard'",
    );
    expect(redactSecrets('redis://:s3cret@cache:6379/0 and rediss://default:Tok3n-value@eu1.upstash.io:6379')).toBe(
      'redis://:[REDACTED]@cache:6379/0 and rediss://default:[REDACTED]@eu1.upstash.io:6379',
    );
    // A password holding an @ that was not percent-encoded: blanked up to the last one before the host.
    expect(redactSecrets('postgresql://u:p@ss@host/db')).toBe('postgresql://u:[REDACTED]@host/db');
    // A URL without a password, and a port, are left as they are.
    expect(redactSecrets('https://proxy.internal:8443/v1 and postgres://app@db/x')).toBe('https://proxy.internal:8443/v1 and postgres://app@db/x');
    // A password holding an unencoded '/' (no URL parser reads it; its error quotes it): blanked to the '@'.
    expect(redactSecrets('Invalid URL postgres://app:ab/cd+ef@db:5432/x')).toBe('Invalid URL postgres://app:[REDACTED]@db:5432/x');
    // A port, then a path holding an '@' (a scoped package, an address): no password, left as it is.
    expect(redactSecrets('https://registry.internal:8443/@scope/pkg and https://host:443/users/me@example.com')).toBe(
      'https://registry.internal:8443/@scope/pkg and https://host:443/users/me@example.com',
    );
    // An example that only says where a password goes, as a message's hint writes it.
    expect(redactSecrets('(postgres://user:password@host:5432/database)')).toBe('(postgres://user:password@host:5432/database)');
  });

  it('blanks a credential a URL carries as a query parameter (libpq and ioredis read ?password=; a key or token in the query), keeping the rest', () => {
    expect(redactSecrets("no storage plugin 'postgres://app@db.internal:5432/x?sslmode=require&password=Hunter2dbSecret'")).toBe(
      "no storage plugin 'postgres://app@db.internal:5432/x?sslmode=require&password=[REDACTED]'",
    );
    expect(redactSecrets('redis://cache:6379/0?password=s3cretValue&db=1 and https://proxy.internal/v1?api-key=0f1e2d3c4b5a6978;x')).toBe(
      'redis://cache:6379/0?password=[REDACTED]&db=1 and https://proxy.internal/v1?api-key=[REDACTED];x',
    );
    expect(redactSecrets('GET /v1beta/models?KEY=proxyToken0123 failed; see ?access_token=abc.def-ghi and &Sig=xyz%2Bw')).toBe(
      'GET /v1beta/models?KEY=[REDACTED] failed; see ?access_token=[REDACTED] and &Sig=[REDACTED]',
    );
    // Only a query's parameter: a word ending in "key=" elsewhere, or another parameter, is left as it is.
    expect(redactSecrets('monkey=1 and ?keyword=x&page=2 and primary key=(id)')).toBe('monkey=1 and ?keyword=x&page=2 and primary key=(id)');
  });
});

describe('SecretRedactor and parts of a known secret', () => {
  const secret = 'lm-studio-7f3c9a12e45b8d06c1f2';
  const redactor = new SecretRedactor([secret]);

  it('blanks an end of the secret quoted without its start', () => {
    expect(redactor.redact(`key ${secret.slice(10)} is not valid`)).toBe('key [REDACTED] is not valid');
    expect(redactor.redact(`key …${secret.slice(-12)}.`)).toBe('key …[REDACTED].');
  });

  it('blanks a start of the secret cut short', () => {
    expect(redactor.redact(`got "${secret.slice(0, 20)}"`)).toBe('got "[REDACTED]"');
  });

  it('blanks a part written with JSON escapes', () => {
    const escaped = secret.slice(5).replace(/a/g, '\\u0061').replace(/-/g, '\\\\u002D');
    expect(redactor.redact(`{"message":"key ${escaped}"}`)).toBe('{"message":"key [REDACTED]"}');
  });

  it('blanks an end whose first character is escaped as a \\u escape ending in that same digit (read backwards, it splits otherwise)', () => {
    // \u0036 is '6' and ends in a '6'; the character before the end, '3', is the escape's digit before it.
    const key = 'gsk_7O36wrQm+WMkXpQ';
    const quoted = `\\u0036${key.slice(8)}`;
    const redacted = new SecretRedactor([key]).redact(`${quoted} `);
    expect(redacted).toBe('[REDACTED] ');
    // It was blanked from before the text began: the text up to the end's last character came back.
    expect(redacted).not.toContain('wrQm+WMkXpQ');
  });

  it('blanks a quoted end whole when a character inside it is a \\u escape ending in that same digit, in JSON text left whole', () => {
    // The last 20 characters of the key, '+', '0' … '6' escaped: read backwards as itself, the 6 that ends \u0036 cut the end short.
    const key = 'sk-proj-STREAMs3cr3t/KEY+0123456789abcdefXYZ';
    const quoted = `\\u002b\\u00301\\u0032\\u00334\\u0035\\u0036${key.slice(-12)}`;
    expect(new SecretRedactor([key]).redactKnown(`{"content":"Key ends ${quoted} ok."}`)).toBe('{"content":"Key ends [REDACTED] ok."}');
  });

  it('leaves parts shorter than minQuotedPartLength, such as a provider\'s own last-four mask', () => {
    const short = secret.slice(-(minQuotedPartLength - 1));
    expect(redactor.redact(`key ****${secret.slice(-4)} and ${short}`)).toBe(`key ****${secret.slice(-4)} and ${short}`);
  });

  it('blanks the whole secret once, and parts that overlap or touch as one', () => {
    expect(redactor.redact(`a ${secret} b`)).toBe('a [REDACTED] b');
    expect(redactor.redact(`${secret.slice(0, 15)}${secret.slice(-15)}`)).toBe('[REDACTED]');
    expect(redactor.redact(`${secret.slice(0, 15)} ${secret.slice(-15)}`)).toBe('[REDACTED] [REDACTED]');
  });
});
