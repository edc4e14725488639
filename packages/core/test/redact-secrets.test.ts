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

describe('redactSecrets and key-shaped strings after an underscore', () => {
  it('blanks a key pasted after `_` (an id such as resp_sk-…, a path segment x_sy-…), whose `_` is a word character to `\\b`', () => {
    expect(redactSecrets('Unknown endpoint POST /v1/responses/x_sk-proj-Zq3vA9xLm2Pk7RtY8wQe.')).toBe('Unknown endpoint POST /v1/responses/x_[REDACTED].');
    expect(redactSecrets('id resp_sy-0123456789abcdef and a_AIzaSyD3mo0123456789abcdefghijk')).toBe('id resp_[REDACTED] and a_[REDACTED]');
    // A word holding only a prefix, or one too short to be a key, stays.
    expect(redactSecrets('my_disk-images task_sk-short')).toBe('my_disk-images task_sk-short');
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

describe('SecretRedactor and HTML character references (a proxy\'s or load balancer\'s error page)', () => {
  const key = 'sk-proj-Ht5mlEnt1ty0123456789abcdef';
  const redactor = new SecretRedactor([key]);
  const decimal = (text: string) => [...text].map((char) => `&#${char.charCodeAt(0)};`).join('');
  const hex = (text: string, upper = false) => [...text].map((char) => `&#${upper ? 'X' : 'x'}${char.charCodeAt(0).toString(16)};`).join('');

  it('blanks a known secret with any of its characters written as a decimal or hex reference, with or without the semicolon or leading zeros', () => {
    for (const spelled of [
      `&#115;${key.slice(1)}`,
      `&#x73;${key.slice(1)}`,
      `&#X73;${key.slice(1)}`,
      `&#0115${key.slice(1)}`,
      key.replace(/-/g, '&#45;'),
      key.replace(/-/g, '&#x2D;'),
      decimal(key),
      hex(key, true),
    ]) {
      expect(redactor.redactKnown(`<p>Invalid key ${spelled}.</p>`)).toBe('<p>Invalid key [REDACTED].</p>');
      expect(redactor.redact(`<p>Invalid key ${spelled}.</p>`)).toBe('<p>Invalid key [REDACTED].</p>');
    }
  });

  it('blanks a quoted start or end of a known secret written with references, and one escaped twice (&amp;#115;)', () => {
    expect(redactor.redactKnown(`key ending ${decimal(key.slice(-16))} refused`)).toBe('key ending [REDACTED] refused');
    expect(redactor.redactKnown(`key ${hex(key.slice(0, 14))}&hellip; refused`)).toBe('key [REDACTED]&hellip; refused');
    expect(redactor.redactKnown(`key &amp;#115;${key.slice(1)} refused`)).toBe('key [REDACTED] refused');
  });

  it('blanks a secret holding characters HTML names (&lowbar;, &period;, &sol;, &equals;, &amp;)', () => {
    const odd = 'Tok_en.with/sl=sh&amp0123';
    const named = new SecretRedactor([odd]);
    const spelled = 'Tok&lowbar;en&period;with&sol;sl&equals;sh&amp;amp0123';
    expect(named.redactKnown(`<b>${spelled}</b>`)).toBe('<b>[REDACTED]</b>');
    expect(named.redact(`<b>${spelled}</b>`)).toBe('<b>[REDACTED]</b>');
  });

  it('blanks key-shaped strings, bearer tokens, a URL\'s password and its query credential whose characters or delimiters are references', () => {
    expect(redactSecrets('<pre>key &#x73;k-live0123456789abcdef</pre>')).toBe('<pre>key [REDACTED]</pre>');
    expect(redactSecrets('<pre>Authorization: Bearer&#32;abc.def.ghi123456</pre>')).toBe('<pre>Authorization: [REDACTED]</pre>');
    expect(redactSecrets('<a href="https://proxy.example/v1?alt=json&amp;key&#61;my0wnPr0xyT0ken99">retry</a>')).toBe(
      '<a href="https://proxy.example/v1?alt=json&amp;key&#61;[REDACTED]">retry</a>',
    );
    expect(redactSecrets('<a href="https://proxy.example/v1?alt=json&#38;token=abcdef123456">x</a>')).toBe('<a href="https://proxy.example/v1?alt=json&#38;token=[REDACTED]">x</a>');
    expect(redactSecrets('upstream postgres&#58;//app:s3cr&#101;tpass@db/x is down')).toBe('upstream postgres&#58;//app:[REDACTED]@db/x is down');
  });

  it('leaves text with references but no secret as it is, and a quoted part too short to matter', () => {
    for (const text of [
      '<html><head><title>502 Bad Gateway</title></head><body>&lt;nginx&gt; &amp; &#169; 2026 &#x2014; try&nbsp;again &#0; &#99999999; &#xZZ; &amp</body></html>',
      '?a=1&amp;b=2&lt=3',
    ]) {
      expect(redactor.redactKnown(text)).toBe(text);
      expect(redactor.redact(text)).toBe(text);
    }
    // OpenAI's own mask: too short a part of the known key; key-shaped, as it is unencoded, to redact.
    const mask = `mask &#115;k-&#42;&#42;&#42;&#42;${key.slice(-4)}`;
    expect(redactor.redactKnown(mask)).toBe(mask);
    expect(redactor.redact(mask)).toBe(redactor.redact(`mask sk-****${key.slice(-4)}`));
  });

  it('reads a reference whose & raw JSON text escapes (\\u0026#115;, as Go writes &; doubled inside a JSON string) as the fast path passes it on', () => {
    const escaped = (text: string, backslashes = '\\') => decimal(text).replace(/&/g, `${backslashes}u0026`);
    expect(redactor.redactKnown(`{"content":"key ${escaped(key)} refused"}`)).toBe('{"content":"key [REDACTED] refused"}');
    expect(redactor.redactKnown(`{"content":"key \\u0026#115;${key.slice(1, 10)}${escaped(key.slice(10))} refused"}`)).toBe('{"content":"key [REDACTED] refused"}');
    expect(redactor.redactKnown(`{"arguments":"{\\\"t\\\":\\\"${escaped(key, '\\\\\\')}\\\"}"}`)).toBe('{"arguments":"{\\\"t\\\":\\\"[REDACTED]\\\"}"}');
    expect(redactor.redactKnown(`{"content":"key \\u0026amp;#115;${escaped(key.slice(1))}"}`)).toBe('{"content":"key [REDACTED]"}');
    // A start spelled so, or a reference cut after its escaped &, is held back for the next delta.
    for (const tail of ['\\u0026#115;\\u0026#107;', '\\u0026#11', '\\u0026', '\\u0026amp;#11']) {
      const text = `key ${tail}`;
      expect(redactor.possibleStartAt(text, 0, text.length), tail).toBe(4);
    }
    // Text with an escaped & and no secret is left as it is.
    const plain = '{"content":"R\\u0026D \\u003cb\\u003e \\u0026#169; \\u0026amp; 50\\u0026#37;"}';
    expect(redactor.redactKnown(plain)).toBe(plain);
    expect(redactor.possibleStartAt('tom \\u0026 jerry', 0, 16)).toBe(16);
  });

  it('marks the whole reference blanked in blankedSpans (a logprobs token reads it in pieces)', () => {
    const text = `a &#115;${key.slice(1)} b`;
    expect(redactor.blankedSpans(text)).toEqual([2, text.length - 2]);
  });
});
