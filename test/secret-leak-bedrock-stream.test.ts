import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEventFrame } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Bedrock's in-stream errors are binary event-stream frames (`:message-type: exception`),
 * not text: the mock Bedrock sends only the fixture's exception, so this upstream encodes
 * frames of its own (encodeEventFrame: @smithy/eventstream-codec, as AWS does) whose message
 * quotes the provider's credentials, plainly and JSON-escaped (those as raw payload text). Neither the client nor a log line may
 * read them.
 */
const apiKey = 'BEDROCKapiKey0123456789abcdefghijkl';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
const escaped = (secret: string) => secret.replace(/[0-9/]/g, (character) => (character === '/' ? '\\/' : `\\u003${character}`));

const event = (type: string, payload: Record<string, unknown>) => encodeEventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);
const exception = (type: string, payload: Record<string, unknown>) => encodeEventFrame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }, payload);

/** Answers every ConverseStream with two events, then the exception frame a test sets. */
function startExceptionUpstream() {
  let next: Buffer = exception('internalServerException', { message: 'unset' });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(event('messageStart', { p: 'abc', role: 'assistant' }));
      res.write(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' }, p: 'abcdef' }));
      res.end(next);
    });
  });
  return new Promise<{ url: string; failWith(frame: Buffer): void; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        failWith: (frame) => (next = frame),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

describe('Bedrock in-stream exception frames quoting the credentials', () => {
  let upstream: Awaited<ReturnType<typeof startExceptionUpstream>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startExceptionUpstream();
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: {
        'bedrock-key': { use: 'bedrock', api_key: apiKey, endpoint: upstream.url, region: 'us-east-1' },
        'bedrock-sigv4': { use: 'bedrock', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: secretAccessKey, endpoint: upstream.url, region: 'us-east-1' },
      },
      models: {
        key: { deployments: [{ target: 'bedrock-key/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } },
        sigv4: { deployments: [{ target: 'bedrock-sigv4/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } },
      },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  // Exceptions whose `message` the gateway quotes (validationException, modelStreamErrorException), and
  // one it words itself (internalServerException, the secret in originalMessage too).
  const raw = (type: string, json: string) => encodeEventFrame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }, Buffer.from(json));
  const cases: Array<[string, 'key' | 'sigv4', string, Buffer, boolean]> = [
    ['an API key, plain', 'key', apiKey, exception('validationException', { message: `Bearer ${apiKey} was refused` }), true],
    ['an API key, JSON-escaped', 'key', apiKey, raw('validationException', `{"message":"token ${escaped(apiKey)} expired"}`), true],
    ['a secret access key, plain', 'sigv4', secretAccessKey, exception('modelStreamErrorException', { message: `signing with ${secretAccessKey} failed`, originalStatusCode: 500 }), true],
    ['a secret access key, JSON-escaped', 'sigv4', secretAccessKey, raw('modelStreamErrorException', `{"message":"key ${escaped(secretAccessKey)} failed"}`), true],
    ['a secret access key in an internal error', 'sigv4', secretAccessKey, exception('internalServerException', { message: `bad ${secretAccessKey}`, originalMessage: secretAccessKey }), false],
  ];

  it.each(cases)('%s: the client reads an upstream error without it, and no log line holds it', async (_name, model, secret, frame, quoted) => {
    upstream.failWith(frame);
    const logsBefore = gateway.logLines.length;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('Hello');
    const errorLine = text.split('\n').find((line) => line.startsWith('data: {"error"'));
    const error = JSON.parse(errorLine!.slice('data: '.length)).error;
    expect(error.code).toMatch(/^upstream_/);
    // Where the upstream's words reach the client, the secret is blanked in them.
    if (quoted) expect(error.message).toContain('[REDACTED]');
    for (const seen of [text, ...gateway.logLines.slice(logsBefore)]) {
      expect(unescapeAll(seen)).not.toContain(secret.slice(0, 12));
      expect(unescapeAll(seen)).not.toContain(secret.slice(-12));
    }
  });
});
