import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEventFrame } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
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

/** The provider's in-stream error around a message (raw JSON text of it), as its stream writes it. */
const streamErrorShapes: Record<string, (message: string) => { contentType: string; body: Buffer }> = {
  openai: (message) => ({ contentType: 'text/event-stream', body: Buffer.from(`data: {"error":{"message":${message},"type":"server_error","param":null,"code":null}}\n\n`) }),
  anthropic: (message) => ({ contentType: 'text/event-stream', body: Buffer.from(`event: error\ndata: {"type":"error","error":{"type":"api_error","message":${message}}}\n\n`) }),
  gemini: (message) => ({ contentType: 'text/event-stream', body: Buffer.from(`data: {"error":{"code":500,"message":${message},"status":"INTERNAL"}}\r\n\r\n`) }),
  cohere: (message) => ({ contentType: 'text/event-stream', body: Buffer.from(`event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":${message}}}\n\n`) }),
  bedrock: (message) => ({
    contentType: 'application/vnd.amazon.eventstream',
    body: encodeEventFrame({ ':exception-type': 'modelStreamErrorException', ':content-type': 'application/json', ':message-type': 'exception' }, Buffer.from(`{"message":${message}}`)),
  }),
};

/** How many bytes each network write of a stream holds: a quoted credential is cut across writes. */
const streamPieceBytes = 37;

/** Answers every call with `shape`'s error quoting the headers it got, spelled as the test last set: a whole error, or a stream of that error alone. */
function startEchoingUpstream(shape: keyof typeof errorShapes) {
  let spelling: Spelling = 'plain';
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      received.push(req.headers);
      const message = jsonString(`refused, the request had headers ${JSON.stringify(req.headers)}`, spelling);
      if (!/"stream":true|converse-stream|streamGenerateContent/.test(body + req.url)) {
        const answer = errorShapes[shape]!(message);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
        return;
      }
      const stream = streamErrorShapes[shape]!(message);
      res.writeHead(200, { 'content-type': stream.contentType });
      for (let at = 0; at < stream.body.length; at += streamPieceBytes) {
        res.write(stream.body.subarray(at, at + streamPieceBytes));
        // Its own network read: the gateway joins the event from pieces.
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
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
    for (const [spelling, stream] of (['plain', 'unicode-escaped', 'percent-encoded'] as const).flatMap((each) => [[each, false], [each, true]] as const)) {
      it(`${provider.model}, the headers ${spelling}${stream ? ', in a stream error cut across network writes' : ''}: the client reads the refusal without a credential, and no log line or ledger record holds one`, async () => {
        const upstream = upstreams.get(provider.model)!;
        upstream.spell(spelling);
        const logsBefore = gateway.logLines.length;
        const record = recordQueue(gateway).next();
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: provider.model, stream, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }),
        });
        const text = await response.text();
        // A stream whose one event is the error fails before its first event: answered as a whole error is, 502.
        expect(response.status).toBe(stream ? 502 : 400);
        const { message } = JSON.parse(text).error as { message: string };
        // The upstream's words reach the client where the gateway quotes them (Anthropic's api_error and Cohere's
        // stream error it words itself), the credentials blanked in them.
        if (stream && (provider.model === 'anthropic' || provider.model === 'cohere')) expect(message).not.toContain('refused');
        else expect(readings(message).at(-1)).toMatch(/refused, the request had headers .*\[REDACTED\]/);
        // What the request carried that a client must not read: the configured credentials, and a SigV4 signature.
        const sent = upstream.received.at(-1)!;
        const signature = /Signature=([0-9a-f]{64})/.exec(String(sent['authorization'] ?? ''))?.[1];
        const forbidden = [...provider.secrets, ...(signature ? [signature] : [])];
        for (const seen of [text, JSON.stringify(await record), ...gateway.logLines.slice(logsBefore)]) {
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
