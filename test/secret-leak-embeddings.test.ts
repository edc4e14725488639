import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onceModels } from './support/request-records.js';
import { spellSecret, unescapeAll, type CharacterSpelling } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An embeddings answer from an upstream that echoes the provider's credential (a proxy
 * or a test double writing back what it was sent) in the answer's `model` and in a field
 * of its own, plain or JSON-escaped. The model is the one upstream text an embeddings
 * answer hands on: it reached the client as it came. Nothing of the key may.
 */

/** Each provider that serves embeddings, its credential (with a `/`, for the `\/` spelling) and the wire shape it answers in. */
const providers = {
  openai: { key: 'sk-proj-EMBEDs3cr3t/KEY0123456789abcdef', target: 'openai/text-embedding-3-small', shape: 'openai' },
  azure: { key: 'azure-EMBED-s3cr3t/key-0123456789abcdef', target: 'azure/text-embedding-3-small', shape: 'openai' },
  mistral: { key: 'mistral-EMBED-s3cr3t/key-0123456789abc', target: 'mistral/mistral-embed', shape: 'openai' },
  gemini: { key: 'AIzaSyEMBEDs3cr3t0123456789abcdefghij', target: 'gemini/gemini-embedding-001', shape: 'gemini' },
  cohere: { key: 'cohere-EMBED-s3cr3t/key-0123456789abcd', target: 'cohere/embed-v4.0', shape: 'cohere' },
  bedrock: { key: 'bedrock/EMBED+s3cr3tAccessKey0123456789ab', target: 'bedrock/amazon.titan-embed-text-v2:0', shape: 'titan' },
} as const;
type Provider = keyof typeof providers;

/** How the upstream writes the key: as it is, its first character `\u`-escaped (`\u0073k-…`), or every character escaped and `/` as `\/`. */
const spellings: Record<string, (key: string) => string> = {
  plain: (key) => key,
  'first character \\u-escaped': (key) => spellSecret({ secret: key, spellings: [...key].map((_, at): CharacterSpelling => (at === 0 ? 'lower' : 'plain')) }, 1),
  'all \\u-escaped, / as \\/': (key) => spellSecret({ secret: key, spellings: [...key].map((char): CharacterSpelling => (char === '/' ? 'short' : 'upper')) }, 1),
};

const vector = [0.25, -0.5, 0.125];
const base64Vector = Buffer.from(new Float32Array(vector).buffer).toString('base64');

/** The provider's embeddings answer for one input, with `echoed` (raw JSON text of the key) in its model and an extra field. */
function answer(provider: Provider, echoed: string, base64: boolean): string {
  switch (providers[provider].shape) {
    case 'openai':
      return `{"object":"list","data":[{"object":"embedding","index":0,"embedding":${base64 ? `"${base64Vector}"` : JSON.stringify(vector)}}],"model":"${echoed}","usage":{"prompt_tokens":3,"total_tokens":3},"x_echo":{"authorization":"Bearer ${echoed}"}}`;
    case 'gemini':
      return `{"embeddings":[{"values":${JSON.stringify(vector)}}],"model":"${echoed}","x_echo":"${echoed}"}`;
    case 'cohere':
      return `{"id":"e1","embeddings":{"float":[${JSON.stringify(vector)}]},"texts":["hello"],"model":"${echoed}","meta":{"billed_units":{"input_tokens":3},"x_echo":"${echoed}"}}`;
    case 'titan':
      return `{"embedding":${JSON.stringify(vector)},"inputTextTokenCount":3,"model":"${echoed}","x_echo":"${echoed}"}`;
  }
}

let document: (provider: Provider) => string;
let gateway: TestGateway;
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.once('end', () => {
    const provider = (Object.keys(providers) as Provider[]).find((name) => req.url?.startsWith(`/${name}/`))!;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(document(provider));
  });
});

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: {
      openai: { api_key: providers.openai.key, base_url: `${url}/openai/v1` },
      azure: { api_key: providers.azure.key, endpoint: `${url}/azure/` },
      mistral: { api_key: providers.mistral.key, base_url: `${url}/mistral/v1` },
      gemini: { api_key: providers.gemini.key, base_url: `${url}/gemini/` },
      cohere: { api_key: providers.cohere.key, base_url: `${url}/cohere/` },
      bedrock: { region: 'us-east-1', endpoint: `${url}/bedrock/`, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: providers.bedrock.key },
    },
    chain: [{ auth: {} }, { route: {} }, { adapter: {} }],
    models: onceModels(Object.fromEntries(Object.entries(providers).map(([name, { target }]) => [name, target]))),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const cases = (Object.keys(providers) as Provider[]).flatMap((provider) =>
  Object.keys(spellings).flatMap((spelling) =>
    (providers[provider].shape === 'openai' ? [false, true] : [false]).map((base64) => ({ provider, spelling, encoding: base64 ? 'base64' : 'float' })),
  ),
);

describe('an embeddings answer echoing the provider key', () => {
  it.each(cases)('$provider ($encoding), the key $spelling: nothing of it reaches the client or the logs', async ({ provider, spelling, encoding }) => {
    const { key } = providers[provider];
    document = (name) => answer(name, spellings[spelling]!(providers[name].key), encoding === 'base64');
    const from = gateway.logLines.length;
    const response = await fetch(`${gateway.baseURL}/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: `${provider}-once`, input: 'hello', encoding_format: encoding }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const body = JSON.parse(text) as { model: string; data: Array<{ embedding: number[] | string }> };
    // The vectors go through untouched: base64 as the upstream sent it, floats as they were.
    expect(body.data[0]!.embedding).toEqual(encoding === 'base64' ? base64Vector : vector);
    for (const seen of [unescapeAll(text), unescapeAll(gateway.logLines.slice(from).join('\n'))]) {
      expect(seen).not.toContain(key.slice(0, 12));
      expect(seen).not.toContain(key.slice(-12));
    }
    // An answer that names its model names it blanked; the others name the deployment's.
    if (providers[provider].shape === 'openai') expect(body.model).toBe(`${provider}/[REDACTED]`);
    else expect(body.model).toBe(providers[provider].target);
  });
});

describe("a direct embeddings operation (a plugin's own SDK) whose answer's model holds its credential", () => {
  it('has the model blanked too', async () => {
    const secret = 'direct-EMBED-s3cr3t-0123456789abcdef';
    const echoing = defineProvider({
      name: 'echoing',
      optionsSchema: { type: 'object' },
      create: () => ({
        secrets: [secret],
        embeddings: { embed: async () => ({ model: `tenant ${secret}`, embeddings: [vector], usage: { inputTokens: 3 } }) },
      }),
    });
    const direct = await createGateway(
      { providers: { echoing: {} }, models: { embed: { deployments: [{ target: 'echoing/m' }] } }, chain: ['route', 'adapter'], log: { level: 'silent' } },
      { plugins: [...builtInPlugins, echoing], logger: createLogger({ level: 'silent' }) },
    );
    try {
      const app = express().use(direct.router);
      const response = await request(app).post('/v1/embeddings').send({ model: 'embed', input: 'hello', encoding_format: 'float' });
      expect(response.status).toBe(200);
      expect(response.body.model).toBe('echoing/tenant [REDACTED]');
      expect(response.text).not.toContain(secret.slice(0, 12));
      expect(response.text).not.toContain(secret.slice(-12));
    } finally {
      await direct.close();
    }
  });
});
