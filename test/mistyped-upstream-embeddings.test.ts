import { readFixture } from '@switchyard/testing';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { onceModels } from './support/request-records.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * An embeddings answer with a value of the wrong type where a vector or its index
 * belongs. A vector must be a list of finite numbers (1e309 is read as Infinity) and
 * an index a place in the list, each named once: otherwise which vector belongs to
 * which input is not known, and a guess that is wrong goes unnoticed, so the answer is
 * the upstream's failure, a 502 `upstream_invalid_response` (never a 500, a vector
 * holding `null`, a vector of 5 passed on, or a base64 client given zeros). An answer
 * whose only fault is elsewhere (a model name of {}) is read, and a 200.
 */

const targets = {
  openai: 'openai/text-embedding-3-small',
  azure: 'azure/text-embedding-3-small',
  mistral: 'mistral/mistral-embed',
  gemini: 'gemini/gemini-embedding-001',
};
type Provider = keyof typeof targets;

const rig = gatewayOverReplay((url) => ({
  providers: {
    openai: { api_key: 'sk-proj-MISTYPED-0123456789abcdef', base_url: url },
    azure: { api_key: 'azure-test-key-0123456789', endpoint: url },
    mistral: { api_key: 'mistral-test-key-0123456789', base_url: url },
    gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: url },
  },
  models: onceModels(targets),
  chain: ['auth', 'key-scope', 'route', 'adapter'],
}));

type Json = Record<string, any>;
const fixture = JSON.parse(readFixture('openai', 'embeddings-response.json')) as Json;
const [first, second] = fixture['data'] as Array<{ embedding: number[] }>;
/** The JSON text 1e309 (Infinity once read), which JSON.stringify cannot write. */
const huge = '"__1e309__"';

/** openai/embeddings-response.json (OpenAI's shape: OpenAI, Azure, Mistral) with its `data` replaced. */
const openAIShape = (data: unknown[], fields: Json = {}) => JSON.stringify({ ...fixture, data, ...fields }).replaceAll(huge, '1e309');
const item = (index: unknown, embedding: unknown) => ({ object: 'embedding', ...(index !== undefined && { index }), embedding });
/** Gemini's batchEmbedContents answer. */
const geminiShape = (values: unknown[]) => JSON.stringify({ embeddings: values.map((vector) => ({ values: vector })) }).replaceAll(huge, '1e309');

interface Case {
  name: string;
  providers: Provider[];
  answer: (provider: Provider) => string;
  /** The vectors the client reads, in input order; undefined: the answer is a 502. */
  vectors?: number[][];
  /** The answer names no model the gateway can read: the client reads the deployment's. */
  namesNoModel?: boolean;
}

const openAIProviders: Provider[] = ['openai', 'azure', 'mistral'];
const cases: Case[] = [
  { name: 'an item that is null (a 500)', providers: openAIProviders, answer: () => openAIShape([item(0, first!.embedding), null]) },
  { name: 'vectors of 5 and {} (passed on as they came; zeros for a base64 client)', providers: openAIProviders, answer: () => openAIShape([item(0, 5), item(1, { a: 1 })]) },
  { name: 'a vector holding text and null (passed on)', providers: openAIProviders, answer: () => openAIShape([item(0, ['x', null]), item(1, second!.embedding)]) },
  { name: 'a vector holding 1e309 (the client read null)', providers: openAIProviders, answer: () => openAIShape([item(0, [0.5, '__1e309__']), item(1, second!.embedding)]) },
  { name: 'indices 1e300 and -1 (read as an order)', providers: openAIProviders, answer: () => openAIShape([item(1e300, first!.embedding), item(-1, second!.embedding)]) },
  { name: 'indices "x" and "y" (an order of chance)', providers: openAIProviders, answer: () => openAIShape([item('x', first!.embedding), item('y', second!.embedding)]) },
  { name: 'an index named twice (the second input given a vector of the first, or none)', providers: openAIProviders, answer: () => openAIShape([item(0, first!.embedding), item(0, second!.embedding)]) },
  {
    name: 'a model of {} (passed on as "[object Object]"); read as naming none',
    providers: openAIProviders,
    answer: () => openAIShape([item(0, first!.embedding), item(1, second!.embedding)], { model: {} }),
    vectors: [first!.embedding, second!.embedding],
    namesNoModel: true,
  },
  {
    name: 'indices in reverse order (guard: put in input order)',
    providers: openAIProviders,
    answer: () => openAIShape([item(1, second!.embedding), item(0, first!.embedding)]),
    vectors: [first!.embedding, second!.embedding],
  },
  {
    name: 'no indices (guard: the list order)',
    providers: openAIProviders,
    answer: () => openAIShape([item(undefined, first!.embedding), item(undefined, second!.embedding)]),
    vectors: [first!.embedding, second!.embedding],
  },
  { name: 'a vector holding 1e309 (the client read null)', providers: ['gemini'], answer: () => geminiShape([[0.5, '__1e309__'], second!.embedding]) },
];

const runs = cases.flatMap((item) => item.providers.flatMap((provider) => (['float', 'base64'] as const).map((encoding) => ({ ...item, provider, encoding }))));

/** One embeddings call through the official client: what it read (or the error it threw), the record, and the lines logged at error level. */
async function embed(provider: Provider, body: string, encoding: 'float' | 'base64') {
  rig.replay.play({ body, contentType: 'application/json' });
  const from = rig.gateway.logLines.length;
  const recorded = rig.records.next();
  const client = new OpenAI({ apiKey: masterKey, baseURL: rig.gateway.baseURL, maxRetries: 0 });
  const input = ['The food was delicious and the waiter was friendly.', 'Paris is the capital of France.'];
  // The SDK asks base64 unless told otherwise, and decodes it.
  const read = await client.embeddings.create({ model: `${provider}-once`, input, ...(encoding === 'float' && { encoding_format: 'float' as const }) }).catch((error: unknown) => error);
  const record = await recorded;
  const errorLines = rig.gateway.logLines.slice(from).filter((line) => line.includes('"level":50')).map((line) => JSON.parse(line) as Json);
  return { read, record, errorLines };
}

describe('an embeddings answer with a value of the wrong type, read by the OpenAI client', () => {
  it.each(runs)('$provider ($encoding): $name', async (run) => {
    const { read, record, errorLines } = await embed(run.provider, run.answer(run.provider), run.encoding);
    if (run.vectors === undefined) {
      // Not readable: which vector is whose input is not known.
      expect(read).toBeInstanceOf(OpenAI.APIError);
      expect((read as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((read as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_invalid_response');
      expect(record.status).toBe(502);
      expect(record.errorCode).toBe('upstream_invalid_response');
      // The upstream's failure: logged at warn (error-handler.ts), nothing at error level.
      expect(errorLines).toEqual([]);
      return;
    }
    expect(read).not.toBeInstanceOf(Error);
    const answer = read as OpenAI.CreateEmbeddingResponse;
    expect(errorLines).toEqual([]);
    expect(record.status).toBe(200);
    expect(Number.isSafeInteger(record.usage?.inputTokens)).toBe(true);
    expect(Number.isFinite(record.costUsd)).toBe(true);
    expect(JSON.stringify(answer)).not.toContain('[object Object]');
    expect(answer.model).toBe(run.namesNoModel ? targets[run.provider] : `${run.provider}/${fixture['model']}`);
    expect(answer.data.map((entry) => entry.index)).toEqual([0, 1]);
    answer.data.forEach((entry, at) => {
      expect(entry.embedding).toHaveLength(run.vectors![at]!.length);
      entry.embedding.forEach((value, position) => expect(value).toBeCloseTo(run.vectors![at]![position]!, 6));
    });
  });
});
