import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Bedrock's Converse answer has no id of its own: the adapter makes `x-amzn-RequestId` its id,
 * which the client, the spans and the cache read. An upstream (or a proxy) echoing its request
 * there put the gateway's AWS credentials in the answer's id: the body was blanked, the header not.
 */
const accessKeyId = 'ASIAQPROBEKEYID4EXMP';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzHEADERKEY';
const sessionToken = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDheaderEchoToken+abc/def==';
const percentEncoded = (secret: string) => encodeURIComponent(secret);

const answer = { output: { message: { role: 'assistant', content: [{ text: 'Hello' }] } }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } };

/** A Bedrock Runtime whose whole Converse answers carry the request id a test sets. */
function startEchoingBedrock() {
  let requestId = 'unset';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise<{ url: string; answerWithId(id: string): void; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        answerWithId: (id) => (requestId = id),
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

describe('a Bedrock answer whose request id header echoes the credentials', () => {
  const exporter = new InMemorySpanExporter();
  let upstream: Awaited<ReturnType<typeof startEchoingBedrock>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    upstream = await startEchoingBedrock();
    gateway = await startTestGateway({
      log: { level: 'trace' },
      providers: { bedrock: { access_key_id: accessKeyId, secret_access_key: secretAccessKey, session_token: sessionToken, endpoint: upstream.url, region: 'us-east-1' } },
      models: { claude: { deployments: [{ target: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0' }], retries: { attempts: 0 } } },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    trace.disable();
  });

  it.each([
    ['the secret access key', secretAccessKey, (secret: string) => `echo ${secret}`],
    ['the secret access key percent-encoded', secretAccessKey, (secret: string) => `echo ${percentEncoded(secret)}`],
    ['the session token', sessionToken, (secret: string) => `x-amz-security-token=${secret}`],
    ['the access key id in a SigV4 credential', accessKeyId, (secret: string) => `Credential=${secret}/20261207/us-east-1/bedrock/aws4_request`],
  ])('%s: neither the answer, a span, the record nor a log line reads it', async (_name, secret, idOf) => {
    upstream.answerWithId(idOf(secret));
    exporter.reset();
    const records = recordQueue(gateway);
    const record = records.next();
    const logsBefore = gateway.logLines.length;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text).choices[0].message.content).toBe('Hello');
    expect(JSON.parse(text).id).toContain('[REDACTED]');
    const seen = [text, JSON.stringify(await record), ...gateway.logLines.slice(logsBefore), ...exporter.getFinishedSpans().map((span) => JSON.stringify(span.attributes))];
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(0);
    for (const each of seen) {
      expect(decodeURIComponent(each)).not.toContain(secret.slice(0, 12));
      expect(decodeURIComponent(each)).not.toContain(secret.slice(-12));
    }
  });
});
