import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { SseDecoder } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { openAIAndGroqOnce, startGatewayPair, type GatewayPair } from './support/start-gateway-pair.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Names from outside used as keys of the gateway's plain objects: a finish_reason from
 * the upstream, a field name from the client, a team name from the admin API.
 *
 * An OpenAI-compatible upstream (OpenAI itself, and a preset) that answers with a
 * `finish_reason` named like an Object.prototype member. The decoders look reasons up
 * in a table: such a name must be an unknown reason (`other`, which OpenAI clients
 * read as `stop`), on the translated path and on the fast path, whole and streamed.
 */
const hostileNames = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
type Provider = 'openai' | 'groq';
const providers: Provider[] = ['openai', 'groq'];

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;
let fast: TestGateway;
let translated: TestGateway;

beforeAll(async () => {
  replay = await startFixtureReplay();
  pair = await startGatewayPair(openAIAndGroqOnce(replay.url, 'sk-test'));
  ({ fast, translated } = pair);
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

async function post(gateway: TestGateway, body: unknown, script: ReplayScript) {
  replay.play(script);
  const recorded = pair.nextRecord(gateway);
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, path: response.headers.get('x-switchyard-path'), text, record: await recorded };
}

const chunk = (rest: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
const streamFinishingWith = (reason: string) =>
  chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}],"usage":null') +
  chunk(`"choices":[{"index":0,"delta":{},"finish_reason":${JSON.stringify(reason)}}],"usage":null`) +
  chunk('"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}') +
  'data: [DONE]\n\n';
const wholeFinishingWith = (reason: string) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1764072000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, logprobs: null, finish_reason: reason }],
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
  });

function streamFinishReasons(text: string): unknown[] {
  const reasons: unknown[] = [];
  const parser = new SseDecoder();
  for (const event of [...parser.feed(text), ...parser.end()]) {
    if (event.data === '[DONE]') continue;
    for (const choice of (JSON.parse(event.data) as { choices?: Array<{ finish_reason?: unknown }> }).choices ?? []) {
      if (choice.finish_reason !== null) reasons.push(choice.finish_reason);
    }
  }
  return reasons;
}

const cases = providers.flatMap((provider) => hostileNames.map((reason) => ({ provider, reason })));
const sane = (record: RequestRecord) => ({ status: record.status, errorCode: record.errorCode, usage: record.usage });

describe('translated path: a finish_reason named like an Object.prototype member reaches the client as stop', () => {
  it.each(cases)('$provider, whole answer, finish_reason $reason', async ({ provider, reason }) => {
    const answer = await post(translated, { model: `${provider}-once`, messages: [{ role: 'user', content: 'Hi' }] }, { body: wholeFinishingWith(reason), contentType: 'application/json' });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as { choices: Array<{ finish_reason: unknown }> }).choices[0]!.finish_reason).toBe('stop');
    expect(sane(answer.record)).toEqual({ status: 200, errorCode: undefined, usage: { inputTokens: 9, outputTokens: 2 } });
  });

  it.each(cases)('$provider, stream, finish_reason $reason', async ({ provider, reason }) => {
    const body = { model: `${provider}-once`, messages: [{ role: 'user', content: 'Hi' }], stream: true };
    const answer = await post(translated, body, { body: streamFinishingWith(reason), contentType: 'text/event-stream' });
    expect(answer.status).toBe(200);
    expect(streamFinishReasons(answer.text)).toEqual(['stop']);
    expect(sane(answer.record)).toEqual({ status: 200, errorCode: undefined, usage: { inputTokens: 9, outputTokens: 2 } });
  });
});

describe('fast path: the same upstream answers', () => {
  // A finish_reason OpenAI does not define reaches the client as the translated path writes it
  // (`stop`, docs/fast-path.md); the tap's reading of such a name must break nothing either.
  it.each(cases)('$provider, whole answer and stream, finish_reason $reason', async ({ provider, reason }) => {
    const whole = await post(fast, { model: `${provider}-once`, messages: [{ role: 'user', content: 'Hi' }] }, { body: wholeFinishingWith(reason), contentType: 'application/json' });
    const streamed = await post(fast, { model: `${provider}-once`, messages: [{ role: 'user', content: 'Hi' }], stream: true }, { body: streamFinishingWith(reason), contentType: 'text/event-stream' });
    for (const answer of [whole, streamed]) {
      expect(answer.path).toBe('fast');
      expect(answer.status).toBe(200);
      expect(sane(answer.record)).toEqual({ status: 200, errorCode: undefined, usage: { inputTokens: 9, outputTokens: 2 } });
    }
    expect((JSON.parse(whole.text) as { choices: Array<{ finish_reason: unknown }> }).choices[0]!.finish_reason).toBe('stop');
    expect(streamFinishReasons(streamed.text)).toEqual(['stop']);
  });
});

describe('a top-level request field named __proto__', () => {
  // Written as raw text: JSON.stringify of an object literal cannot say it.
  const text = '{"model":"openai-once","messages":[{"role":"user","content":"Hi"}],"__proto__":{"seed":7}}';

  it.each(['translated', 'fast'] as const)('is forwarded upstream as the field it is (%s path), as the other path does', async (path) => {
    const gateway = path === 'fast' ? fast : translated;
    replay.play({ body: wholeFinishingWith('stop'), contentType: 'application/json' });
    const recorded = pair.nextRecord(gateway);
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: text,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-path') === 'fast').toBe(path === 'fast');
    await recorded;
    const sent = JSON.parse(replay.received.at(-1)!.body) as Record<string, unknown>;
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
    expect(sent['__proto__']).toEqual({ seed: 7 });
    expect(sent['seed']).toBeUndefined();
  });
});

describe('a key whose team or project is named like an Object.prototype member', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-names-')) },
      storage: { use: 'sqlite' },
      chain: ['auth', { 'key-scope': { budgets: { teams: { research: { limit_usd: 5, period: 'monthly' } }, projects: { apollo: { limit_usd: 5, period: 'daily' } } } } }, 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s has no budget: its key is served like any key without one', async (name) => {
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'odd', team: name, project: name }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
  });
});

describe('config names like Object.prototype members', () => {
  it('a smart route named constructor is not taken for a model of that name, and routes', async () => {
    const gateway = await startTestGateway({ chain: ['auth', { route: { smart: { name: 'constructor', rules: [{ use: 'mock/echo' }] } } }, 'adapter'] });
    try {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'constructor', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(response.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  it('a chain step named constructor is looked for as a package of that name', async () => {
    const failed = await startTestGateway({ chain: ['auth', 'constructor', 'adapter'] }).then(
      async (gateway) => {
        await gateway.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(String((failed as Error | undefined)?.message) + JSON.stringify((failed as { problems?: unknown } | undefined)?.problems)).toContain('@switchyard/policy-constructor');
  });
});
