import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A SigV4 request carries the access key id in the clear (`Authorization: … Credential=AKIA…/date/region/…`),
 * so an upstream or a proxy echoing what it got may quote it: in an error message, percent-encoded as a
 * quoted URL or form writes it, or in the text of an answer reflecting the headers. It is a credential
 * of the provider's as the secret key and the session token are, and is blanked as they are.
 */
const accessKeyId = 'AKIAQ3EGRTHYUJ7EXMPL';
const sessionKeyId = 'ASIAQ3EGRTHYUJ7SESSN';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function startUpstream() {
  let next: Answer = { status: 500, headers: {}, body: '' };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(next.status, next.headers);
      res.end(next.body);
    });
  });
  return new Promise<{ url: string; answer(answer: Answer): void; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        answer: (answer) => (next = answer),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const json = { 'content-type': 'application/json' };
const validation = { ...json, 'x-amzn-ErrorType': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' };
const converse = (text: string) =>
  JSON.stringify({ output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: 'end_turn', usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 } });

describe('a Bedrock access key id echoed by the upstream', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: {
        aws: { use: 'bedrock', access_key_id: accessKeyId, secret_access_key: secretAccessKey, endpoint: upstream.url, region: 'us-east-1' },
        sts: { use: 'bedrock', access_key_id: sessionKeyId, secret_access_key: secretAccessKey, session_token: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD', endpoint: upstream.url, region: 'us-east-1' },
      },
      models: {
        aws: { deployments: [{ target: 'aws/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } },
        sts: { deployments: [{ target: 'sts/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  async function chat(model: string) {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  function expectNoKeyId(keyId: string, texts: string[]) {
    for (const text of texts) {
      const readings = [text, unescapeAll(text), decodeURIComponent(unescapeAll(text).replace(/%(?![0-9a-f]{2})/gi, '%25'))];
      for (const reading of readings) expect(reading).not.toContain(keyId);
    }
  }

  const cases: Array<[string, 'aws' | 'sts', string, Answer]> = [
    [
      'a validation error quoting the signed request percent-encoded',
      'aws',
      accessKeyId,
      { status: 400, headers: validation, body: JSON.stringify({ message: `Malformed request: Authorization%3DAWS4-HMAC-SHA256%20Credential%3D${accessKeyId}%2F20250101%2Fus-east-1%2Fbedrock%2Faws4_request` }) },
    ],
    [
      'an answer whose text reflects the Authorization header it got',
      'aws',
      accessKeyId,
      { status: 200, headers: json, body: converse(`You sent Authorization: AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/us-east-1/bedrock/aws4_request`) },
    ],
    [
      'an answer whose text reflects a temporary key id',
      'sts',
      sessionKeyId,
      { status: 200, headers: json, body: converse(`headers: {"authorization":"AWS4-HMAC-SHA256 Credential=${sessionKeyId}/20250101/us-east-1/bedrock/aws4_request"}`) },
    ],
  ];

  it.each(cases)('%s: neither the client nor a log line reads it', async (_name, model, keyId, answer) => {
    upstream.answer(answer);
    const logsBefore = gateway.logLines.length;
    const { status, text } = await chat(model);
    expect([200, 400]).toContain(status);
    expect(text).toContain('[REDACTED]');
    expectNoKeyId(keyId, [text, ...gateway.logLines.slice(logsBefore)]);
  });
});

describe('a Bedrock upstream quoting the SigV4 signature it was sent', () => {
  /** Answers 400 with a message quoting the Authorization header it got, as `quote` writes it; keeps the signature. */
  function startQuotingUpstream(quote: (authorization: string) => string) {
    const signatures: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const authorization = req.headers.authorization ?? '';
        signatures.push(/Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? 'none');
        res.writeHead(400, json);
        res.end(JSON.stringify({ message: `The request signature we calculated does not match the signature you provided. ${quote(authorization)}` }));
      });
    });
    return new Promise<{ url: string; signatures: string[]; close(): Promise<void> }>((resolve) => {
      server.listen(0, '127.0.0.1', () =>
        resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signatures, close: () => new Promise((done) => server.close(() => done())) }),
      );
    });
  }

  it.each([
    ['the Authorization header as it was sent', (authorization: string) => `Authorization: ${authorization}`],
    ['the header percent-encoded, as a quoted form writes it', (authorization: string) => `auth=${encodeURIComponent(authorization)}`],
    ['a presigned URL of the same request', (authorization: string) => `https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${/Signature=(\w+)/.exec(authorization)?.[1]}&X-Amz-Date=20261207T000000Z`],
  ])('%s: the signature (which signs the request again for minutes) reaches neither the client nor a log line', async (_name, quote) => {
    const upstream = await startQuotingUpstream(quote);
    const gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: { aws: { use: 'bedrock', access_key_id: accessKeyId, secret_access_key: secretAccessKey, endpoint: upstream.url, region: 'us-east-1' } },
      models: { aws: { deployments: [{ target: 'aws/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } } },
    });
    let text = '';
    try {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'aws', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text).error.message).toMatch(/signature you provided.*\[REDACTED\]/s);
    } finally {
      await gateway.close();
      await upstream.close();
    }
    expect(upstream.signatures).toHaveLength(1);
    const [signature] = upstream.signatures as [string];
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    for (const seen of [text, ...gateway.logLines]) expect(decodeURIComponent(seen.replace(/%(?![0-9a-f]{2})/gi, '%25'))).not.toContain(signature.slice(0, 16));
  });
});
