import { startMockMistral, startMockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseData } from './support/sse-data.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A configured key an upstream (or a client's echo) quotes in a byte encoding: `\x` escapes,
 * hex, base64 wrapped at 76 (MIME) or 64 (PEM) columns. The key must reach no client and no log.
 */
const keys = {
  openai: 'sk-proj-Byt3sEnc0ded0123456789abcdefXYZ',
  mistral: 'MISTRALb1n4ryKeyValue0123456789ab',
};
const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
const json = { 'content-type': 'application/json' };
const sse = { 'content-type': 'text/event-stream' };

/** Every character as `\xHH`, its hex digits by turns lower and upper case, as a C, Python or shell dump writes bytes. */
const xEscaped = (text: string, backslashes = '\\') =>
  [...Buffer.from(text)].map((byte, index) => `${backslashes}x${byte.toString(16).padStart(2, '0')[index % 2 ? 'toUpperCase' : 'toLowerCase']()}`).join('');

/** Base64 of `text` wrapped every `columns` characters with `eol`, as MIME (76, CRLF) and PEM (64, LF) write it. */
const wrapped = (text: string, columns: number, eol: string, url = false, pad = true) => {
  let encoded = Buffer.from(text).toString(url ? 'base64url' : 'base64');
  if (url && pad) encoded += '='.repeat((4 - (encoded.length % 4)) % 4);
  if (!pad) encoded = encoded.replace(/=+$/, '');
  return encoded.replace(new RegExp(`.{${columns}}(?=.)`, 'g'), `$&${eol}`);
};

/** What a reader could decode a text into: as is, JSON-unescaped, `\x` and hex decoded, base64 of any word (line breaks removed) decoded. */
function readings(text: string): string[] {
  const unescaped = text.replace(/\\+(?:r|n)/g, '\n').replace(/\\+/g, '\\');
  const seen = [text, unescaped, unescaped.replace(/\\x([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))];
  for (const run of unescaped.match(/[0-9A-Fa-f]{16,}/g) ?? []) for (const skip of [0, 1]) seen.push(Buffer.from(run.slice(skip), 'hex').toString('latin1'));
  const joined = unescaped.replace(/\r?\n/g, '');
  for (const word of joined.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (const skip of [0, 1, 2, 3]) seen.push(Buffer.from(word.slice(skip), 'base64').toString('latin1'));
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

const chunk = (delta: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`;

/** An OpenAI stream whose content deltas are `texts` (raw JSON string contents). */
function openAIStream(texts: string[]): string {
  let body = chunk('{"role":"assistant","content":""}');
  for (const text of texts) body += chunk(`{"content":"${text}"}`);
  body += 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
  return `${body}data: [DONE]\n\n`;
}

function content(stream: string): string {
  let text = '';
  for (const data of sseData(stream)) {
    if (data === '[DONE]') continue;
    for (const choice of (JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null } }> }).choices ?? []) text += choice.delta?.content ?? '';
  }
  return text;
}

describe('a provider key echoed in a byte encoding', () => {
  let openai: Awaited<ReturnType<typeof startMockOpenAI>>;
  let mistral: Awaited<ReturnType<typeof startMockMistral>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    [openai, mistral] = await Promise.all([startMockOpenAI(), startMockMistral()]);
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: { openai: { api_key: keys.openai, base_url: openai.url }, mistral: { api_key: keys.mistral, base_url: mistral.url } },
      models: { o: once('openai/gpt-4o-mini'), m: once('mistral/mistral-large-latest') },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([openai?.close(), mistral?.close()]);
  });

  async function chat(model: string, stream = false) {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'one two three' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  function errorEventMessage(text: string): string {
    const event = text.split('\n').find((line) => line.startsWith('data: {"error"'))!;
    return (JSON.parse(event.slice('data: '.length)) as { error: { message: string } }).error.message;
  }

  it('blanks `\\x` escapes of the key (mixed-case hex, whole and its quoted start or end, JSON-escaped) in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    openai.enqueue({ status: 400, headers: json, body: { error: { message: `bad header b'${xEscaped(keys.openai)}'`, type: 'invalid_request_error', param: xEscaped(keys.openai.slice(-16)), code: null } } });
    let answer = await chat('o');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({ code: 'upstream_bad_request', message: "openai: bad header b'[REDACTED]'", param: '[REDACTED]' });
    bodies.push(answer.text);

    // In the raw event, JSON-escaped: each `\x` carries two backslashes.
    mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"key ${xEscaped(keys.mistral, '\\\\')} was refused","type":"server_error","param":null,"code":null}}\n\n` } });
    answer = await chat('m', true);
    expect(answer.status).toBe(200);
    expect(errorEventMessage(answer.text)).toBe('mistral: key [REDACTED] was refused');
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });

  it('blanks the key in hex, lower and upper case, alone and inside a longer dump, in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    const hex = Buffer.from(keys.openai).toString('hex');
    openai.enqueue({ status: 400, headers: json, body: { error: { message: `header bytes ${hex} rejected`, type: 'invalid_request_error', param: hex.toUpperCase(), code: null } } });
    let answer = await chat('o');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({ message: 'openai: header bytes [REDACTED] rejected', param: '[REDACTED]' });
    bodies.push(answer.text);

    const dump = Buffer.from(`{"key":"${keys.mistral}"}`).toString('hex').toUpperCase();
    mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":"body ${dump} refused","type":"server_error","param":null,"code":null}}\n\n` } });
    answer = await chat('m', true);
    expect(answer.status).toBe(200);
    expect(errorEventMessage(answer.text)).toMatch(/^mistral: body [0-9A-F]*\[REDACTED\][0-9A-F]* refused$/);
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });

  it('blanks base64 of the key wrapped at 76 (CRLF) or 64 (LF) columns, at each byte offset, standard and URL-safe, padded or not, in error bodies, stream error events and logs', async () => {
    const bodies: string[] = [];
    const logsBefore = gateway.logLines.length;
    for (const prefix of ['{"key":"', '{"key": "', '{"key":  "']) {
      for (const [columns, eol] of [[76, '\r\n'], [64, '\n'], [16, '\n'], [20, '\r\n']] as const) {
        for (const url of [false, true]) {
          for (const pad of [true, false]) {
            const blob = wrapped(`${prefix}${keys.openai}"}`, columns, eol, url, pad);
            openai.enqueue({ status: 400, headers: json, body: { error: { message: `-----BEGIN TOKEN-----\n${blob}\n-----END TOKEN-----`, type: 'invalid_request_error', param: null, code: null } } });
            const answer = await chat('o');
            expect(answer.status).toBe(400);
            expect(JSON.parse(answer.text).error.message).toContain('[REDACTED]');
            bodies.push(answer.text);
          }
        }
      }
    }
    // In the raw event the line breaks are JSON escapes (`\r\n` written as `\\r\\n`).
    const blob = wrapped(`{"key":"${keys.mistral}"}`, 16, '\r\n');
    mistral.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: {"error":{"message":${JSON.stringify(`token ${blob} refused`)},"type":"server_error","param":null,"code":null}}\n\n` } });
    const answer = await chat('m', true);
    expect(answer.status).toBe(200);
    expect(errorEventMessage(answer.text)).toContain('[REDACTED]');
    bodies.push(answer.text);

    expectNoKey([...bodies, ...gateway.logLines.slice(logsBefore)]);
  });

  it('a whole answer quoting the key as `\\x` escapes, hex or wrapped base64 reads [REDACTED] there', async () => {
    const quoted = [xEscaped(keys.openai), Buffer.from(keys.openai).toString('hex').toUpperCase(), wrapped(`a${keys.openai}`, 16, '\n')];
    openai.enqueue({ status: 200, headers: json, body: { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: quoted.join(' | ') }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } } });
    const answer = await chat('o');
    expect(answer.status).toBe(200);
    const said = (JSON.parse(answer.text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    const parts = said.split(' | ');
    expect(parts[0]).toBe('[REDACTED]');
    expect(parts[1]).toBe('[REDACTED]');
    expect(parts[2]).toContain('[REDACTED]');
    expectNoKey([answer.text]);
  });

  const splits: Array<[string, string]> = [
    ['`\\x` escapes', xEscaped(keys.openai, '\\\\')],
    ['hex', Buffer.from(keys.openai).toString('hex')],
    ['base64', Buffer.from(`ab${keys.openai}`).toString('base64')],
    ['wrapped base64', wrapped(`ab${keys.openai}`, 16, '\\n')],
  ];
  for (const [label, spelled] of splits) {
    for (const cut of [3, Math.floor(spelled.length / 2), spelled.length - 5]) {
      it(`a stream whose content quotes the key as ${label}, split across two deltas at ${cut}, reads [REDACTED] there`, async () => {
        openai.enqueue({ status: 200, headers: sse, body: openAIStream([`Here: ${spelled.slice(0, cut)}`, `${spelled.slice(cut)} ok.`]) });
        const answer = await chat('o', true);
        expect(answer.status).toBe(200);
        const said = content(answer.text);
        expect(said).toMatch(/^Here: .*\[REDACTED\].* ok\.$/s);
        expectNoKey([answer.text, said]);
      });
    }
  }

  it('no log line holds either key', () => {
    expectNoKey(gateway.logLines);
  });
});
