import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream (or the proxy in front of it) that refuses a call quoting every header it got,
 * in each provider's own error shape: whatever credential a provider sends is quoted as it
 * went out, by the real request, not a copy the test wrote. None of these credentials has a
 * prefix a pattern knows; each is found as a configured secret, in every spelling.
 */
const secrets = {
  openaiCompatible: 'vllmSelfHostedBearer0123456789',
  azure: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  anthropic: 'ANTHROPICproxyKey0123456789abcd',
  gemini: 'GEMINIproxyKeyValue0123456789ab',
  cohere: 'COHEREechoKeyValue0123456789abc',
  mistral: 'MISTRALechoKeyValue0123456789ab',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzECHOEDKEY',
  awsSession: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDechoedSessionTkn+x/y==',
  awsKeyId: 'ASIAQECHOEDKEYID7XMP',
};

type Spelling = 'plain' | 'unicode-escaped' | 'percent-encoded';

/** The raw JSON text of a string value saying `text` in `spelling`: each character `\u`-escaped, or percent-encoded. */
function jsonString(text: string, spelling: Spelling): string {
  if (spelling === 'plain') return JSON.stringify(text);
  if (spelling === 'percent-encoded') return JSON.stringify(encodeURIComponent(text));
  return `"${[...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
}

/** The provider's own error body around a message (raw JSON text of it), with its status and headers. */
const errorShapes: Record<string, (message: string) => { status: number; headers: Record<string, string>; body: string }> = {
  openai: (message) => ({ status: 400, headers: {}, body: `{"error":{"message":${message},"type":"invalid_request_error","param":null,"code":null}}` }),
  anthropic: (message) => ({ status: 400, headers: {}, body: `{"type":"error","error":{"type":"invalid_request_error","message":${message}}}` }),
  gemini: (message) => ({ status: 400, headers: {}, body: `{"error":{"code":400,"message":${message},"status":"INVALID_ARGUMENT"}}` }),
  cohere: (message) => ({ status: 400, headers: {}, body: `{"id":"e1","message":${message}}` }),
  bedrock: (message) => ({ status: 400, headers: { 'x-amzn-ErrorType': 'ValidationException' }, body: `{"message":${message}}` }),
};

/** Answers every call with `shape`'s error quoting the headers it got, spelled as the test last set. */
function startEchoingUpstream(shape: keyof typeof errorShapes) {
  let spelling: Spelling = 'plain';
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      const answer = errorShapes[shape]!(jsonString(`refused, the request had headers ${JSON.stringify(req.headers)}`, spelling));
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  return new Promise<{ url: string; received: IncomingHttpHeaders[]; spell(next: Spelling): void; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received,
        spell: (next) => (spelling = next),
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

const providers = [
  { model: 'compatible', shape: 'openai', config: (url: string) => ({ use: 'openai', base_url: url, headers: { Authorization: `Bearer ${secrets.openaiCompatible}` } }), secrets: [secrets.openaiCompatible] },
  { model: 'azure', shape: 'openai', config: (url: string) => ({ use: 'azure', api_key: secrets.azure, endpoint: url, deployments: { m: 'm' } }), secrets: [secrets.azure] },
  { model: 'anthropic', shape: 'anthropic', config: (url: string) => ({ use: 'anthropic', api_key: secrets.anthropic, base_url: url }), secrets: [secrets.anthropic] },
  { model: 'gemini', shape: 'gemini', config: (url: string) => ({ use: 'gemini', api_key: secrets.gemini, base_url: url }), secrets: [secrets.gemini] },
  { model: 'cohere', shape: 'cohere', config: (url: string) => ({ use: 'cohere', api_key: secrets.cohere, base_url: url }), secrets: [secrets.cohere] },
  { model: 'mistral', shape: 'openai', config: (url: string) => ({ use: 'mistral', api_key: secrets.mistral, base_url: url }), secrets: [secrets.mistral] },
  {
    model: 'bedrock',
    shape: 'bedrock',
    config: (url: string) => ({ use: 'bedrock', access_key_id: secrets.awsKeyId, secret_access_key: secrets.awsSecret, session_token: secrets.awsSession, endpoint: url, region: 'us-east-1' }),
    secrets: [secrets.awsKeyId, secrets.awsSession],
  },
] as const;

/** What a reader decoding the text any number of times reads: JSON escapes undone, then percent-encoding. */
function readings(text: string): string[] {
  const unescaped = unescapeAll(text);
  let decoded = unescaped;
  for (let round = 0; round < 3; round++) decoded = decodeURIComponent(decoded.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
  return [text, unescaped, decoded];
}

describe('an upstream refusing a call by quoting every header it got, per provider', () => {
  const upstreams = new Map<string, Awaited<ReturnType<typeof startEchoingUpstream>>>();
  let gateway: TestGateway;

  beforeAll(async () => {
    for (const provider of providers) upstreams.set(provider.model, await startEchoingUpstream(provider.shape));
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: Object.fromEntries(providers.map((provider) => [provider.model, provider.config(upstreams.get(provider.model)!.url)])),
      models: Object.fromEntries(
        providers.map((provider) => [provider.model, { deployments: [{ target: `${provider.model}/${provider.model === 'bedrock' ? 'anthropic.claude-3-haiku-20240307-v1:0' : 'm'}` }], retries: { attempts: 0 } }]),
      ),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([...upstreams.values()].map((upstream) => upstream.close()));
  });

  for (const provider of providers) {
    for (const spelling of ['plain', 'unicode-escaped', 'percent-encoded'] as const) {
      it(`${provider.model}, the headers ${spelling}: the client reads the refusal without a credential, and no log line holds one`, async () => {
        const upstream = upstreams.get(provider.model)!;
        upstream.spell(spelling);
        const logsBefore = gateway.logLines.length;
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: provider.model, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }),
        });
        const text = await response.text();
        expect(response.status).toBe(400);
        // The upstream's words reached the client: what it quoted, the credentials blanked.
        expect(readings(JSON.parse(text).error.message).at(-1)).toMatch(/refused, the request had headers .*\[REDACTED\]/);
        // What the request carried that a client must not read: the configured credentials, and a SigV4 signature.
        const sent = upstream.received.at(-1)!;
        const signature = /Signature=([0-9a-f]{64})/.exec(String(sent['authorization'] ?? ''))?.[1];
        const forbidden = [...provider.secrets, ...(signature ? [signature] : [])];
        for (const seen of [text, ...gateway.logLines.slice(logsBefore)]) {
          for (const reading of readings(seen)) {
            for (const secret of forbidden) {
              expect(reading).not.toContain(secret.slice(0, 12));
              expect(reading).not.toContain(secret.slice(-12));
            }
          }
        }
      });
    }
  }
});
