import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type Gateway, type RequestRecord } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A provider plugin with direct operations (its own SDK, an in-process model) answers
 * whatever its code returns. Such answers are checked like an upstream's: a malformed
 * one is a 502 upstream_invalid_response, never a 500 or a stream that is not JSON,
 * and a usage that is not whole counts is billed as the gateway's estimate.
 */
const answers: Record<string, () => unknown> = {
  'null-content': () => ({ id: 'a', model: 'm', created: 0, content: null, finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } }),
  'null-part': () => ({ id: 'a', model: 'm', created: 0, content: [null], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } }),
  'numeric-text': () => ({ id: 'a', model: 'm', created: 0, content: [{ type: 'text', text: 42 }], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } }),
  'bad-usage': () => ({ id: 'a', model: 'm', created: 0, content: [{ type: 'text', text: 'twelve chars' }], finishReason: { unified: 'stop' }, usage: { inputTokens: -5, outputTokens: 1.5 } }),
  'nan-usage': () => ({ id: 'a', model: 'm', created: 0, content: [{ type: 'text', text: 'twelve chars' }], finishReason: { unified: 'stop' }, usage: { inputTokens: Number.NaN, outputTokens: Infinity } }),
};
const streams: Record<string, () => unknown> = {
  'mistyped-start': async function* () {
    yield { type: 'stream-start', id: 5, model: {}, created: 'x' };
    yield { type: 'text-delta', delta: 'hi' };
    yield { type: 'finish', finishReason: { unified: 'stop' } };
  },
  'numeric-delta': async function* () {
    yield { type: 'stream-start', id: 'a', model: 'm', created: 0 };
    yield { type: 'text-delta', delta: 42 };
    yield { type: 'finish', finishReason: { unified: 'stop' } };
  },
  'not-iterable': () => 42,
  'bad-usage': async function* () {
    yield { type: 'stream-start', id: 'a', model: 'm', created: 0 };
    yield { type: 'text-delta', delta: 'twelve chars' };
    yield { type: 'finish', finishReason: { unified: 'stop' } };
    yield { type: 'usage', usage: { inputTokens: -5, outputTokens: 1.5 } };
  },
};

/** The usage a direct embeddings operation answers with, by model name; the vector is always one for the one input. */
const embeddingsUsages: Record<string, () => unknown> = {
  'embed-nan': () => ({ inputTokens: Number.NaN }),
  'embed-negative': () => ({ inputTokens: -3 }),
  'embed-infinite': () => ({ inputTokens: 1e999 }),
  'embed-fraction': () => ({ inputTokens: 2.5 }),
  'embed-text': () => ({ inputTokens: '7' }),
  'embed-null': () => null,
  'embed-none': () => undefined,
  'embed-whole': () => ({ inputTokens: 9 }),
};

/** Little-endian float32s in base64, as OpenAI's `encoding_format: base64` sends them. */
const base64Floats = (...values: number[]) => Buffer.from(new Float32Array(values).buffer).toString('base64');

/** Whole embeddings answers of the wrong shape, by model name. */
const embeddingsAnswers: Record<string, () => unknown> = {
  'embed-answer-null': () => null,
  'embed-answer-no-list': () => ({ model: 'x', usage: { inputTokens: 3 } }),
  'embed-answer-text-vector': () => ({ model: 'x', embeddings: ['0.25,-0.5'], usage: { inputTokens: 3 } }),
  'embed-answer-text-number': () => ({ model: 'x', embeddings: [[0.25, '-0.5']], usage: { inputTokens: 3 } }),
  'embed-answer-base64-number': () => ({ model: 'x', embeddings: [], base64Embeddings: [5], usage: { inputTokens: 3 } }),
  // Float32 NaN and an infinity: decoded for this float client, they were written `null`.
  'embed-answer-base64-nan': () => ({ model: 'x', embeddings: [], base64Embeddings: [base64Floats(0.5, Number.NaN)], usage: { inputTokens: 3 } }),
  'embed-answer-base64-infinity': () => ({ model: 'x', embeddings: [], base64Embeddings: [base64Floats(Number.NEGATIVE_INFINITY, 0.5)], usage: { inputTokens: 3 } }),
};

const hostile = defineProvider({
  name: 'hostile',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async (call) => answers[call.model]!() as never,
      stream: (call) => streams[call.model]!() as never,
    },
    embeddings: {
      embed: async (call) =>
        (call.model in embeddingsAnswers
          ? embeddingsAnswers[call.model]!()
          : { model: call.model, embeddings: [[0.25, -0.5]], usage: embeddingsUsages[call.model]!() }) as never,
    },
  }),
});

describe('a direct provider operation answering malformed values', () => {
  let gateway: Gateway;
  let app: express.Express;
  const records: RequestRecord[] = [];
  const waiters: Array<(record: RequestRecord) => void> = [];
  const nextRecord = () => new Promise<RequestRecord>((resolve) => waiters.push(resolve));

  beforeAll(async () => {
    const names = [...new Set([...Object.keys(answers), ...Object.keys(streams), ...Object.keys(embeddingsUsages), ...Object.keys(embeddingsAnswers)])];
    gateway = await createGateway(
      {
        providers: { hostile: {} },
        // One attempt each: the answer is the same on every retry.
        models: Object.fromEntries(names.map((name) => [name, { deployments: [{ target: `hostile/${name}` }], retries: { attempts: 0 } }])),
        chain: ['route', 'adapter'],
        log: { level: 'silent' },
      },
      { plugins: [...builtInPlugins, hostile], logger: createLogger({ level: 'silent' }) },
    );
    gateway.runtime.onRequestFinished((record) => {
      records.push(record);
      waiters.shift()?.(record);
    });
    app = express();
    app.use(gateway.router);
  });
  afterAll(() => gateway?.close());

  const ask = (model: string, stream = false) => request(app).post('/v1/chat/completions').send({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

  it.each(['null-content', 'null-part', 'numeric-text'])('answers a whole answer with %s as a 502 upstream_invalid_response, not a 500', async (model) => {
    const response = await ask(model);
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: { message: expect.stringContaining('hostile'), type: 'server_error', code: 'upstream_invalid_response', param: null } });
  });

  it.each(['bad-usage', 'nan-usage'])('bills a whole answer whose usage is %s by the estimate, in whole tokens', async (model) => {
    const record = nextRecord();
    const response = await ask(model);
    expect(response.status).toBe(200);
    const { usage } = (await record);
    expect(Number.isSafeInteger(usage!.inputTokens) && usage!.inputTokens > 0).toBe(true);
    expect(usage!.outputTokens).toBe(3); // "twelve chars": 12 characters, four a token
    expect(response.body.usage.prompt_tokens).toBe(usage!.inputTokens);
    expect(response.body.usage.completion_tokens).toBe(3);
  });

  it.each(['mistyped-start', 'not-iterable'])('refuses a stream whose plugin yields %s with 502 before it begins', async (model) => {
    const response = await ask(model, true);
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_invalid_response');
  });

  it('ends a begun stream whose plugin yields a numeric delta with an error event, every line JSON', async () => {
    const response = await ask('numeric-delta', true);
    const events = response.text.split('\n').filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]');
    const parsed = events.map((line) => JSON.parse(line.slice('data: '.length)) as { error?: { code: string } });
    expect(parsed.at(-1)?.error?.code).toBe('upstream_invalid_response');
    expect(response.text).not.toContain('"content":42');
  });

  it.each(['embed-nan', 'embed-negative', 'embed-infinite', 'embed-fraction', 'embed-text', 'embed-null', 'embed-none'])(
    'bills an embeddings answer whose usage is %s by the estimate, in whole tokens, and tells the client so',
    async (model) => {
      const record = nextRecord();
      const response = await request(app).post('/v1/embeddings').send({ model, input: 'twelve chars', encoding_format: 'float' });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.25, -0.5] }]);
      const { usage, costUsd } = await record;
      // "twelve chars": 12 characters, four a token.
      expect(usage).toMatchObject({ inputTokens: 3 });
      expect(Number.isFinite(costUsd)).toBe(true);
      expect(response.body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    },
  );

  it.each(Object.keys(embeddingsAnswers))('answers an embeddings answer %s as a 502 upstream_invalid_response, not a 500', async (model) => {
    const record = nextRecord();
    const response = await request(app).post('/v1/embeddings').send({ model, input: 'twelve chars', encoding_format: 'float' });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: { message: expect.stringContaining('hostile'), type: 'server_error', code: 'upstream_invalid_response', param: null } });
    expect((await record).status).toBe(502);
  });

  it("bills an embeddings answer whose usage is whole counts by the plugin's word", async () => {
    const record = nextRecord();
    const response = await request(app).post('/v1/embeddings').send({ model: 'embed-whole', input: 'twelve chars', encoding_format: 'float' });
    expect(response.status).toBe(200);
    expect((await record).usage).toMatchObject({ inputTokens: 9 });
    expect(response.body.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
  });

  it('bills a stream whose usage part is not whole counts by the estimate', async () => {
    const record = nextRecord();
    const response = await ask('bad-usage', true);
    expect(response.status).toBe(200);
    const { usage } = await record;
    expect(usage!.outputTokens).toBe(3);
    expect(Number.isSafeInteger(usage!.inputTokens) && usage!.inputTokens > 0).toBe(true);
  });
});
