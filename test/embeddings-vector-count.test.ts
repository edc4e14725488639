import { defineProvider, estimateEmbeddingsTokens, type PluginFactory } from '@switchyard/core';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { onceModels } from './support/request-records.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * An embeddings answer with more or fewer vectors than the client sent inputs. A client
 * pairs inputs with vectors by place, so such an answer would pair texts with vectors
 * that are not theirs, unnoticed: it is the upstream's failure, a 502
 * `upstream_invalid_response`, whatever the provider (an HTTP adapter or a plugin's
 * own operation) and whether the client asked for floats or base64. The provider billed
 * the call all the same: the token count it named is billed (as a failed attempt the
 * provider billed, docs/pricing.md); without one, the inputs' estimate, as for any 200 the
 * gateway could not read. (Bedrock's Titan embeds one text per call and its answer holds
 * one vector by its shape, so it cannot answer with another count.)
 */

const vectors = [
  [0.0123, -0.0481, 0.0317, 0.0902],
  [-0.0098, 0.0624, 0.0211, -0.0357],
  [0.0555, 0.0111, -0.0222, 0.0333],
];
const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');
const twoTexts = ['The food was delicious and the waiter was friendly.', 'Paris is the capital of France.'];

type Encoding = 'float' | 'base64';

/** OpenAI's shape (OpenAI, Azure, Mistral), indices 0… in order, base64 when asked for it, with a token count. */
const openAIShape = (count: number, encoding: Encoding) =>
  JSON.stringify({
    object: 'list',
    data: vectors.slice(0, count).map((vector, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? base64Of(vector) : vector })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 9, total_tokens: 9 },
  });

/** The upstream's answer with `count` vectors, in the encoding the gateway asked it for. */
const answers: Record<string, (count: number, encoding: Encoding) => string> = {
  openai: openAIShape,
  azure: openAIShape,
  // Mistral is asked for floats whatever the client wants.
  mistral: (count) => openAIShape(count, 'float'),
  gemini: (count) => JSON.stringify({ embeddings: vectors.slice(0, count).map((values) => ({ values })), usageMetadata: { promptTokenCount: 9 } }),
  cohere: (count) =>
    JSON.stringify({ id: 'emb-1', texts: twoTexts, embeddings: { float: vectors.slice(0, count) }, meta: { api_version: { version: '2' }, billed_units: { input_tokens: 9 } } }),
};

/** A provider written as a third party would, with its own embeddings operation (no HTTP adapter): it answers `count` vectors, read from the model's name. */
const countingProvider = defineProvider<Record<string, never>>({
  name: 'counting-embedder',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    embeddings: {
      async embed(call) {
        const count = Number(call.model.slice('vectors-'.length));
        return { model: call.model, embeddings: vectors.slice(0, count), usage: { inputTokens: 9 } };
      },
    },
  }),
});

const targets = {
  openai: 'openai/text-embedding-3-small',
  azure: 'azure/text-embedding-3-small',
  mistral: 'mistral/mistral-embed',
  gemini: 'gemini/gemini-embedding-001',
  cohere: 'cohere/embed-v4.0',
};
type HttpProvider = keyof typeof targets;

const rig = gatewayOverReplay(
  (url) => ({
    providers: {
      openai: { api_key: 'sk-proj-COUNT-0123456789abcdef', base_url: url },
      azure: { api_key: 'azure-test-key-0123456789', endpoint: url },
      mistral: { api_key: 'mistral-test-key-0123456789', base_url: url },
      gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: url },
      cohere: { api_key: 'cohere-test-key-0123456789', base_url: url },
      counting: { use: 'counting-embedder' },
    },
    models: onceModels({ ...targets, 'counting-1': 'counting/vectors-1', 'counting-2': 'counting/vectors-2', 'counting-3': 'counting/vectors-3' }),
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  }),
  { plugins: [countingProvider as PluginFactory<unknown, unknown>] },
);

/** One embeddings call of two texts through the official client: what it read (or the error it threw) and the record. */
async function embed(model: string, encoding: Encoding) {
  const recorded = rig.records.next();
  const client = new OpenAI({ apiKey: masterKey, baseURL: rig.gateway.baseURL, maxRetries: 0 });
  // The SDK asks base64 unless told otherwise, and decodes it.
  const read = await client.embeddings.create({ model, input: twoTexts, ...(encoding === 'float' && { encoding_format: 'float' as const }) }).catch((error: unknown) => error);
  return { read, record: await recorded };
}

function expectWrongCount({ read, record }: Awaited<ReturnType<typeof embed>>, count: number, billedTokens: number) {
  expect(read).toBeInstanceOf(OpenAI.APIError);
  const error = read as InstanceType<typeof OpenAI.APIError>;
  expect(error.status).toBe(502);
  expect(error.code).toBe('upstream_invalid_response');
  expect(error.message).toContain(`${count} embeddings for 2 inputs`);
  expect(record.status).toBe(502);
  expect(record.errorCode).toBe('upstream_invalid_response');
  // The count the upstream named (or, without one, the gateway's estimate), at the deployment's price.
  expect(record.usage).toMatchObject({ inputTokens: billedTokens, outputTokens: 0 });
  const pricing = rig.gateway.gateway.runtime.pricing;
  expect(record.costUsd).toBeCloseTo(pricing.cost(record.provider!, record.model!, { inputTokens: billedTokens, outputTokens: 0 }), 15);
}

const httpRuns = (Object.keys(targets) as HttpProvider[]).flatMap((provider) =>
  [1, 3].flatMap((count) => (['float', 'base64'] as const).map((encoding) => ({ provider, count, encoding }))),
);

describe('an embeddings answer with a vector count other than the inputs, read by the OpenAI client', () => {
  it.each(httpRuns)('$provider ($encoding): $count vectors for 2 inputs is a 502 upstream_invalid_response, billed the count it named', async ({ provider, count, encoding }) => {
    rig.replay.play({ body: answers[provider]!(count, encoding), contentType: 'application/json' });
    expectWrongCount(await embed(`${provider}-once`, encoding), count, 9);
  });

  it.each([1, 3])("openai: %i vectors for 2 inputs without a readable token count is billed the inputs' estimate, marked estimated", async (count) => {
    const estimate = estimateEmbeddingsTokens({ model: 'openai-once', input: twoTexts });
    for (const usage of [undefined, { prompt_tokens: -5, total_tokens: -5 }, { prompt_tokens: 0, total_tokens: 0 }]) {
      const body = JSON.parse(answers['openai']!(count, 'float')) as Record<string, unknown>;
      rig.replay.play({ body: JSON.stringify({ ...body, usage }), contentType: 'application/json' });
      const answer = await embed('openai-once', 'float');
      expectWrongCount(answer, count, estimate);
      expect(answer.record.usageEstimated).toBe(true);
    }
  });

  it.each([1, 3])("a provider plugin's own embeddings operation: %i vectors for 2 inputs is a 502 upstream_invalid_response, billed the count it named", async (count) => {
    for (const encoding of ['float', 'base64'] as const) expectWrongCount(await embed(`counting-${count}-once`, encoding), count, 9);
  });

  it.each(['float', 'base64'] as const)('guard (%s): a vector per input is read, in input order, and billed', async (encoding) => {
    rig.replay.play({ body: answers['openai']!(2, encoding), contentType: 'application/json' });
    for (const model of ['openai-once', 'counting-2-once']) {
      const { read, record } = await embed(model, encoding);
      expect(read).not.toBeInstanceOf(Error);
      const answer = read as OpenAI.CreateEmbeddingResponse;
      expect(answer.data.map((entry) => entry.index)).toEqual([0, 1]);
      answer.data.forEach((entry, at) => entry.embedding.forEach((value, position) => expect(value).toBeCloseTo(vectors[at]![position]!, 6)));
      expect(record.status).toBe(200);
      expect(record.usage?.inputTokens).toBe(9);
    }
  });
});
