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
const openAIShape = (list: number[][], encoding: Encoding) =>
  JSON.stringify({
    object: 'list',
    data: list.map((vector, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? base64Of(vector) : vector })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 9, total_tokens: 9 },
  });

/** The upstream's answer holding `list`, in the encoding the gateway asked it for. */
const answers: Record<string, (list: number[][], encoding: Encoding) => string> = {
  openai: openAIShape,
  azure: openAIShape,
  // Mistral is asked for floats whatever the client wants.
  mistral: (list) => openAIShape(list, 'float'),
  gemini: (list) => JSON.stringify({ embeddings: list.map((values) => ({ values })), usageMetadata: { promptTokenCount: 9 } }),
  cohere: (list) =>
    JSON.stringify({ id: 'emb-1', texts: twoTexts, embeddings: { float: list }, meta: { api_version: { version: '2' }, billed_units: { input_tokens: 9 } } }),
};

/** Two vectors that no client can store side by side, by their names. */
const unreadable: Record<string, number[][]> = {
  'an empty vector': [vectors[0]!, []],
  'vectors of different lengths': [vectors[0]!, vectors[1]!.slice(0, 3)],
  'a value beyond float32 range (1e39)': [vectors[0]!, [0.01, 1e39, -0.02, 0.03]],
};

/** A provider written as a third party would, with its own embeddings operation (no HTTP adapter): it answers `count` vectors, read from the model's name, or one of the `unreadable` lists, named by its place. */
const countingProvider = defineProvider<Record<string, never>>({
  name: 'counting-embedder',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    embeddings: {
      async embed(call) {
        const count = Number(call.model.slice(call.model.indexOf('-') + 1));
        const embeddings = call.model.startsWith('unreadable-') ? Object.values(unreadable)[count]! : vectors.slice(0, count);
        return { model: call.model, embeddings, usage: { inputTokens: 9 } };
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
    models: onceModels({ ...targets, 'counting-1': 'counting/vectors-1', 'counting-2': 'counting/vectors-2', 'counting-3': 'counting/vectors-3', 'unreadable-0': 'counting/unreadable-0', 'unreadable-1': 'counting/unreadable-1', 'unreadable-2': 'counting/unreadable-2' }),
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
    rig.replay.play({ body: answers[provider]!(vectors.slice(0, count), encoding), contentType: 'application/json' });
    expectWrongCount(await embed(`${provider}-once`, encoding), count, 9);
  });

  it.each([1, 3])("openai: %i vectors for 2 inputs without a readable token count is billed the inputs' estimate, marked estimated", async (count) => {
    const estimate = estimateEmbeddingsTokens({ model: 'openai-once', input: twoTexts });
    for (const usage of [undefined, { prompt_tokens: -5, total_tokens: -5 }, { prompt_tokens: 0, total_tokens: 0 }]) {
      const body = JSON.parse(answers['openai']!(vectors.slice(0, count), 'float')) as Record<string, unknown>;
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
    rig.replay.play({ body: answers['openai']!(vectors.slice(0, 2), encoding), contentType: 'application/json' });
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

/** Base64 the upstream wrote (OpenAI's shape, to a base64 client) is passed on as it came, so 1e39 there is the float32 infinity it wrote (reliability.md). */
const unreadableRuns = (Object.keys(targets) as HttpProvider[]).flatMap((provider) =>
  Object.keys(unreadable).flatMap((shape) =>
    (['float', 'base64'] as const)
      .filter((encoding) => !(shape.includes('1e39') && encoding === 'base64' && (provider === 'openai' || provider === 'azure')))
      .map((encoding) => ({ provider, shape, encoding })),
  ),
);

describe('an embeddings answer whose vectors a client cannot store side by side', () => {
  it.each(unreadableRuns)('$provider ($encoding): $shape is a 502 upstream_invalid_response, billed the count it named', async ({ provider, shape, encoding }) => {
    rig.replay.play({ body: answers[provider]!(unreadable[shape]!, encoding), contentType: 'application/json' });
    const { read, record } = await embed(`${provider}-once`, encoding);
    expect(read).toBeInstanceOf(OpenAI.APIError);
    expect((read as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((read as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_invalid_response');
    expect(record.errorCode).toBe('upstream_invalid_response');
    expect(record.usage).toMatchObject({ inputTokens: 9, outputTokens: 0 });
  });

  it.each(Object.keys(unreadable).map((shape, place) => ({ shape, place })))("a provider plugin's own embeddings operation: $shape is a 502 upstream_invalid_response", async ({ shape, place }) => {
    for (const encoding of ['float', 'base64'] as const) {
      const { read, record } = await embed(`unreadable-${place}-once`, encoding);
      expect((read as InstanceType<typeof OpenAI.APIError>).status, `${shape} (${encoding})`).toBe(502);
      expect(record.errorCode).toBe('upstream_invalid_response');
      expect(record.usage).toMatchObject({ inputTokens: 9, outputTokens: 0 });
    }
  });
});
