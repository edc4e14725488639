import { estimateEmbeddingsTokens } from '@switchyard/core';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ReplayScript } from './support/start-fixture-replay.js';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * An embeddings answer whose input count is missing (Gemini's batchEmbedContents never
 * sends one) or unreadable (negative, fractional, text that is not digits, 1e309) is
 * billed the gateway's estimate of the input, never 0, and the official OpenAI client
 * reads that same count, whether it asked for floats or for base64 (the SDK's default,
 * passed through undecoded from an upstream that speaks OpenAI). A count the gateway
 * can read is billed and read as the upstream sent it.
 */

type Variant = 'missing' | 'negative' | 'fractional' | 'text' | 'huge';
const variants: Variant[] = ['missing', 'negative', 'fractional', 'text', 'huge'];
/** Each variant's count as JSON text; undefined leaves the count out. */
const countText: Record<Variant, string | undefined> = { missing: undefined, negative: '-9', fractional: '9.5', text: '"lots"', huge: '1e309' };

type Encoding = 'float' | 'base64';
const vectors = [
  [0.0123, -0.0481, 0.0317, 0.0902],
  [-0.0098, 0.0624, 0.0211, -0.0357],
];
const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');
const twoTexts = ['The food was delicious and the waiter was friendly.', 'Paris is the capital of France.'];

interface EmbeddingsCase {
  provider: string;
  model: string;
  input: string[];
  /** The upstream's answer with `count` (JSON text) where its wire format puts the input count, in the encoding the gateway asked for. */
  answer: (count: string | undefined, encoding: Encoding) => string;
}

/** OpenAI's shape (OpenAI, Azure, Mistral): base64 strings when asked for base64. */
const openAIShape = (model: string) => (count: string | undefined, encoding: Encoding) =>
  JSON.stringify({
    object: 'list',
    data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? base64Of(vector) : vector })),
    model,
    usage: '__usage__',
  }).replace('"usage":"__usage__"', count === undefined ? '"usage":null' : `"usage":{"prompt_tokens":${count},"total_tokens":${count}}`);

const cases: EmbeddingsCase[] = [
  { provider: 'openai', model: 'text-embedding-3-small', input: twoTexts, answer: openAIShape('text-embedding-3-small') },
  { provider: 'azure', model: 'text-embedding-3-small', input: twoTexts, answer: openAIShape('text-embedding-3-small') },
  // Mistral is asked for floats whatever the client wants; the gateway writes base64 itself.
  { provider: 'mistral', model: 'mistral-embed', input: twoTexts, answer: (count) => openAIShape('mistral-embed')(count, 'float') },
  {
    provider: 'gemini',
    model: 'gemini-embedding-001',
    input: twoTexts,
    answer: (count) => `{"embeddings":${JSON.stringify(vectors.map((values) => ({ values })))}${count === undefined ? '' : `,"usageMetadata":{"promptTokenCount":${count}}`}}`,
  },
  {
    provider: 'cohere',
    model: 'embed-v4.0',
    input: twoTexts,
    answer: (count) =>
      `{"id":"emb-1","texts":${JSON.stringify(twoTexts)},"embeddings":{"float":${JSON.stringify(vectors)}},"meta":{"api_version":{"version":"2"}${count === undefined ? '' : `,"billed_units":{"input_tokens":${count}}`}}}`,
  },
  {
    provider: 'bedrock',
    model: 'amazon.titan-embed-text-v2:0',
    // Titan embeds one text per call.
    input: twoTexts.slice(0, 1),
    answer: (count) => `{"embedding":${JSON.stringify(vectors[0])}${count === undefined ? '' : `,"inputTextTokenCount":${count}`}}`,
  },
];

const rig = gatewayOverReplay((url) => ({
  providers: {
    openai: { api_key: 'sk-proj-USAGE-0123456789abcdef', base_url: url },
    azure: { api_key: 'azure-test-key-0123456789', endpoint: url },
    mistral: { api_key: 'mistral-test-key-0123456789', base_url: url },
    gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: url },
    cohere: { api_key: 'cohere-test-key-0123456789', base_url: url },
    bedrock: { region: 'us-east-1', endpoint: url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
  },
  chain: ['auth', 'key-scope', 'route', 'adapter'],
}));

/** One embeddings call against the upstream answer `body`: what the client read, and the ledger's record. */
async function embed(embeddingsCase: EmbeddingsCase, body: string, encoding: Encoding) {
  rig.replay.play({ body, contentType: 'application/json' } satisfies ReplayScript);
  const recorded = rig.records.next();
  const client = new OpenAI({ apiKey: masterKey, baseURL: rig.gateway.baseURL, maxRetries: 0 });
  const model = `${embeddingsCase.provider}/${embeddingsCase.model}`;
  // The SDK asks base64 unless told otherwise, and decodes it.
  const read = await client.embeddings.create(encoding === 'float' ? { model, input: embeddingsCase.input, encoding_format: 'float' } : { model, input: embeddingsCase.input });
  return { read, record: await recorded, sent: JSON.parse(rig.replay.received.at(-1)!.body) as Record<string, unknown> };
}

const runs = cases.flatMap((embeddingsCase) => (['float', 'base64'] as const).map((encoding) => ({ ...embeddingsCase, encoding })));

describe('an embeddings answer read by the OpenAI client', () => {
  it.each(runs)('$provider ($encoding): a count that is missing or unreadable bills the estimate of the input, and the client reads it', async (run) => {
    const estimate = estimateEmbeddingsTokens({ model: run.model, input: run.input });
    expect(estimate).toBeGreaterThan(0);
    for (const variant of variants) {
      const { read, record, sent } = await embed(run, run.answer(countText[variant], run.encoding), run.encoding);
      // The vectors came through: the SDK decoded base64, or read floats.
      expect(read.data[0]!.embedding[0], variant).toBeCloseTo(vectors[0]![0]!, 6);
      if (run.provider === 'openai' || run.provider === 'azure') expect(sent['encoding_format'], variant).toBe(run.encoding);
      expect(record.usage, variant).toEqual({ inputTokens: estimate, outputTokens: 0 });
      expect(Number.isFinite(record.costUsd), variant).toBe(true);
      expect(record.costUsd, variant).toBeGreaterThan(0);
      expect(read.usage, variant).toEqual({ prompt_tokens: estimate, total_tokens: estimate });
    }
  });

  it.each(runs)('$provider ($encoding): a count it can read is billed and read as the upstream sent it, digits as text too; 0 for an input with text is the estimate', async (run) => {
    for (const count of ['7', '"7"', '0']) {
      const { read, record } = await embed(run, run.answer(count, run.encoding), run.encoding);
      const sent = Number(JSON.parse(count));
      const tokens = sent === 0 ? estimateEmbeddingsTokens({ model: run.model, input: run.input }) : sent;
      expect(record.usage, count).toEqual({ inputTokens: tokens, outputTokens: 0 });
      expect(read.usage, count).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    }
  });
});
