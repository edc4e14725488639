import { startMockAzure, startMockMistral, startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const keys = {
  openai: 'sk-proj-Pct3ncOded0123456789abcdefXYZ',
  azure: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  mistral: 'MISTRALs3cr3tKeyValue0123456789ab',
};
const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
const json = { 'content-type': 'application/json' };

/** Every character as `%XX`, as a proxy quoting the URL or form body it was sent would write it. */
const percentEncoded = (text: string, lowerHex = false) =>
  [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')[lowerHex ? 'toLowerCase' : 'toUpperCase']()}`).join('');

/** Every character as an HTML reference, decimal or hex by turns, as a proxy's error page may write it. */
const htmlEncoded = (text: string) => [...text].map((char, index) => (index % 2 ? `&#x${char.charCodeAt(0).toString(16)};` : `&#${char.charCodeAt(0)};`)).join('');

/** HTML references decoded, as a browser showing an error page (or a reader) does. */
const htmlDecoded = (text: string) =>
  text
    .replace(/&#[xX]([0-9A-Fa-f]+);?/g, (_, hex: string) => String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff)))
    .replace(/&#([0-9]+);?/g, (_, decimal: string) => String.fromCodePoint(Math.min(Number.parseInt(decimal, 10), 0x10ffff)))
    .replace(/&amp;/g, '&');

/** What a client or a log reader could decode a text into: as is, HTML- and URL-decoded (any number of times), base64-decoded from any word. */
function readings(text: string): string[] {
  const seen = [text, htmlDecoded(text), htmlDecoded(htmlDecoded(text)), htmlDecoded(text.replace(/\\u0026/gi, '&'))];
  for (const word of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (const skip of [0, 1, 2, 3]) seen.push(Buffer.from(word.slice(skip), 'base64').toString('latin1'));
  }
  for (let current = text, round = 0; round < 3; round++) {
    try {
      current = decodeURIComponent(current.replace(/\\u0025/gi, '%'));
    } catch {
      break;
    }
    seen.push(current);
  }
  return seen;
}

function expectNoKey(texts: string[]) {
  for (const text of texts) {
    for (const reading of readings(text)) {
      for (const key of Object.values(keys)) {
        expect(reading).not.toContain(key.slice(0, 14));
        expect(reading).not.toContain(key.slice(-14));
      }
    }
  }
}

describe('a provider key echoed in an encoded form', () => {
  let upstreams: { openai: Awaited<ReturnType<typeof startMockOpenAI>>; azure: Awaited<ReturnType<typeof startMockAzure>>; mistral: Awaited<ReturnType<typeof startMockMistral>> };
  let gateway: TestGateway;

  beforeAll(async () => {
    const [openai, azure, mistral] = await Promise.all([startMockOpenAI(), startMockAzure(), startMockMistral()]);
    upstreams = { openai, azure, mistral };
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: {
        openai: { api_key: keys.openai, base_url: openai.url },
        azure: { api_key: keys.azure, endpoint: azure.url },
        mistral: { api_key: keys.mistral, base_url: mistral.url },
      },
      models: { o: once('openai/gpt-4o-mini'), z: once('azure/gpt-4o-mini'), m: once('mistral/mistral-large-latest') },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(upstreams ?? {}).map((upstream) => upstream.close()));
  });

  async function chat(model: string, stream = false) {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'one two three' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  it('blanks a percent-encoded key (whole, in part, lower or upper hex, its % JSON-escaped) in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    const dashes = keys.openai.replace(/-/g, '%2D');
    upstreams.openai.enqueue({ status: 400, headers: json, body: { error: { message: `Invalid URL (POST /v1/chat?key=${percentEncoded(keys.openai)})`, type: 'invalid_request_error', param: dashes, code: null } } });
    let answer = await chat('o');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({ code: 'upstream_bad_request', message: 'openai: Invalid URL (POST /v1/chat?key=[REDACTED])', param: '[REDACTED]' });
    bodies.push(answer.text);

    upstreams.azure.enqueue({ status: 400, headers: json, body: { error: { code: 'BadRequest', message: `api-key=${percentEncoded(keys.azure, true)} is not allowed here` } } });
    answer = await chat('z');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error.message).toBe('azure: api-key=[REDACTED] is not allowed here');
    bodies.push(answer.text);

    // The `%` itself JSON-escaped (\u0025): redaction runs on the decoded text.
    const escapedPercent = percentEncoded(keys.mistral).replace(/%/g, '\\u0025');
    upstreams.mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"key ${escapedPercent} was refused","type":"server_error","param":null,"code":null}}\n\n` } });
    answer = await chat('m', true);
    expect(answer.status).toBe(200);
    const errorEvent = answer.text.split('\n').find((line) => line.startsWith('data: {"error"'))!;
    expect(JSON.parse(errorEvent.slice('data: '.length)).error.message).toContain('[REDACTED]');
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });

  it('blanks a key quoted in base64 (an echoed Basic credential, base64url, at any byte offset) in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    const basic = Buffer.from(`api:${keys.azure}`).toString('base64');
    upstreams.azure.enqueue({ status: 400, headers: json, body: { error: { code: 'BadRequest', message: `Authorization: Basic ${basic} is not accepted` } } });
    let answer = await chat('z');
    expect(answer.status).toBe(400);
    // The first characters spell `api:` and a bit of the key's first byte: too little to matter.
    expect(JSON.parse(answer.text).error.message).toMatch(/^azure: Authorization: Basic [A-Za-z0-9+/]{0,8}\[REDACTED\][A-Za-z0-9+/=]{0,4} is not accepted$/);
    bodies.push(answer.text);

    for (const offset of ['', 'a', 'ab']) {
      const token = Buffer.from(`${offset}${keys.openai}`).toString('base64url');
      upstreams.openai.enqueue({ status: 400, headers: json, body: { error: { message: `token ${token} expired`, type: 'invalid_request_error', param: null, code: null } } });
      answer = await chat('o');
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.message).toMatch(/^openai: token [A-Za-z0-9_-]{0,4}\[REDACTED\][A-Za-z0-9_-]{0,4} expired$/);
      bodies.push(answer.text);
    }

    const encoded = Buffer.from(`{"key":"${keys.mistral}"}`).toString('base64');
    upstreams.mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"request ${encoded} refused","type":"server_error","param":null,"code":null}}\n\n` } });
    answer = await chat('m', true);
    expect(answer.status).toBe(200);
    const errorEvent = answer.text.split('\n').find((line) => line.startsWith('data: {"error"'))!;
    expect(JSON.parse(errorEvent.slice('data: '.length)).error.message).toContain('[REDACTED]');
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });

  it('blanks a key an upstream\'s HTML error page spells with character references (decimal, hex, named delimiters) in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    const page = [
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>',
      `<p>upstream refused key &#115;${keys.openai.slice(1)} &amp; retried as ${keys.openai.replace(/-/g, '&#45;')}</p>`,
      `<p>last: ${htmlEncoded(keys.openai)}, <a href="/v1/chat?alt=json&amp;key&#61;${htmlEncoded(keys.openai)}">retry</a></p>`,
      '<hr><center>nginx</center></body></html>',
    ].join('\n');
    upstreams.openai.enqueue({ status: 502, headers: { 'content-type': 'text/html' }, body: page });
    let answer = await chat('o');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text).error.code).toBe('upstream_server_error');
    bodies.push(answer.text);

    // A proxy that wraps the page it got in a JSON error: its words reach the client, quoted.
    upstreams.openai.enqueue({ status: 400, headers: json, body: { error: { message: page, type: 'invalid_request_error', param: `key&#61;${htmlEncoded(keys.openai)}`, code: null } } });
    answer = await chat('o');
    expect(answer.status).toBe(400);
    const error = JSON.parse(answer.text).error;
    expect(error).toMatchObject({ code: 'upstream_bad_request', param: 'key&#61;[REDACTED]' });
    expect(error.message).toContain('<p>upstream refused key [REDACTED] &amp; retried as [REDACTED]</p>');
    expect(error.message).toContain('<p>last: [REDACTED], <a href="/v1/chat?alt=json&amp;key&#61;[REDACTED]">retry</a></p>');
    bodies.push(answer.text);

    // JSON that quotes such a page: the references inside a JSON string, its `&` escaped as \u0026 by some writers.
    const quoted = `<p>bad key ${htmlEncoded(keys.mistral)}</p> ${htmlEncoded(keys.mistral).replace(/&/g, '\\u0026')}`;
    upstreams.mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"${quoted}","type":"server_error","param":null,"code":null}}\n\n` } });
    answer = await chat('m', true);
    expect(answer.status).toBe(200);
    const errorEvent = answer.text.split('\n').find((line) => line.startsWith('data: {"error"'))!;
    expect(JSON.parse(errorEvent.slice('data: '.length)).error.message).toContain('[REDACTED]');
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });
});
