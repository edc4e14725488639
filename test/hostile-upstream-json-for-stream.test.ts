import type { RequestRecord } from '@switchyard/core';
import { readFixture, readFixtureJson } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { fixtureProviders, fixtureTargets } from './support/provider-fixture-bodies.js';
import { onceConfigUnderPrefixes, prefixedProviders, providerOfPath, type PrefixedProvider } from './support/providers-under-prefixes.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A stream request answered at 200 with one JSON document (`application/json`): an
 * error a proxy or an aggregator writes at 200, or a server that ignored `stream: true`.
 * The gateway reads it as the whole answer is read: an error in it answers as the same
 * document answers a whole request, and an answer is a 502 billed what it says it used.
 * Read as events, both were "ended before its first chunk": the error lost, the usage unbilled.
 */

type Provider = PrefixedProvider;

/** Each provider's real whole answer, and its own rate-limit error body (sent here at 200). */
const wholeAnswer = (provider: Provider): string => readFixture(fixtureProviders[provider].dir, 'response.json');
const rateLimitBody = (provider: Provider): string => JSON.stringify((readFixtureJson(fixtureProviders[provider].dir, 'errors.json') as Record<string, { body: unknown }>)['rate_limit']!.body);

let document: (provider: Provider) => string;
/** The content type the upstream labels its answer with; none when undefined. */
let contentType: string | undefined = 'application/json; charset=utf-8';
let gateway: TestGateway;
let upstream: LoopbackUpstream;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, _body, res) => {
    res.writeHead(200, contentType === undefined ? {} : { 'content-type': contentType });
    res.end(document(providerOfPath(req.url)!));
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, fixtureTargets));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

interface Answer {
  status: number;
  code: string | undefined;
  message: string | undefined;
  record: RequestRecord;
}

async function ask(provider: Provider, dialect: Dialect, stream: boolean): Promise<Answer> {
  const model = `${provider}-once`;
  const record = recordQueue(gateway).next();
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const response = await callInDialect(gateway, dialect, dialect === 'chat' ? { model, messages, stream } : { model, messages, stream, max_tokens: 256 });
  const body = (await response.json()) as { type?: string; error?: { code?: string; message?: string } };
  // Refused before the stream began: an error in the dialect's own envelope.
  if (response.status !== 200 && dialect === 'messages') expect(body.type).toBe('error');
  return { status: response.status, code: body.error?.code, message: body.error?.message, record: await record };
}

/** A streamed answer's text and status, read whole; ids and clocks the gateway stamps anew blanked. */
async function askStream(provider: Provider, dialect: Dialect): Promise<{ status: number; text: string }> {
  const model = `${provider}-once`;
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const response = await callInDialect(gateway, dialect, dialect === 'chat' ? { model, messages, stream: true } : { model, messages, stream: true, max_tokens: 256 });
  const text = (await response.text()).replace(/"(id|created|created_at)":\s*("[^"]*"|\d+)/g, '"$1":0');
  return { status: response.status, text };
}

const cases = prefixedProviders.flatMap((provider) => dialects.map((dialect) => ({ provider, dialect })));

describe('a stream request answered with one JSON document', () => {
  afterEach(() => {
    contentType = 'application/json; charset=utf-8';
  });

  it.each(cases)("$provider to $dialect: the provider's rate-limit error at 200 answers as it does a whole request", async ({ provider, dialect }) => {
    document = rateLimitBody;
    const whole = await ask(provider, dialect, false);
    const streamed = await ask(provider, dialect, true);
    expect(whole.status).not.toBe(200);
    expect({ status: streamed.status, code: streamed.code }).toEqual({ status: whole.status, code: whole.code });
    expect(streamed.message).not.toContain('ended before');
    expect(streamed.record.errorCode).toBe(whole.record.errorCode);
  });

  it.each(cases)("$provider to $dialect: the provider's whole answer is a 502 billed the usage it reports", async ({ provider, dialect }) => {
    document = wholeAnswer;
    const whole = await ask(provider, dialect, false);
    const streamed = await ask(provider, dialect, true);
    expect(whole.status).toBe(200);
    expect(streamed.status).toBe(502);
    expect(streamed.code).toBe('upstream_invalid_response');
    expect(streamed.message).toBe(`The ${provider} upstream answered a stream request with one JSON answer, not a stream.`);
    expect(streamed.record.status).toBe(502);
    expect(streamed.record.usage).toEqual(whole.record.usage);
    expect(streamed.record.costUsd).toBeGreaterThan(0);
    expect(streamed.record.costUsd).toBe(whole.record.costUsd);
  });

  it.each(cases)("$provider to $dialect: the provider's rate-limit error at 200 with no content type answers as it does a whole request", async ({ provider, dialect }) => {
    document = rateLimitBody;
    contentType = undefined;
    const whole = await ask(provider, dialect, false);
    const streamed = await ask(provider, dialect, true);
    expect(whole.status).not.toBe(200);
    expect({ status: streamed.status, code: streamed.code }).toEqual({ status: whole.status, code: whole.code });
  });
});

/** Providers whose stream is Server-Sent Events (Bedrock's is its own binary event stream). */
const sseCases = cases.filter(({ provider }) => provider !== 'bedrock');

describe('a stream request answered with an event stream labelled JSON, or not labelled', () => {
  afterEach(() => {
    contentType = 'application/json; charset=utf-8';
  });

  it.each(sseCases)("$provider to $dialect: the provider's events under application/json (after blank lines and a comment) are streamed as under text/event-stream", async ({ provider, dialect }) => {
    document = (name) => readFixture(fixtureProviders[name].dir, 'stream.txt');
    contentType = 'text/event-stream';
    const labelled = await askStream(provider, dialect);
    expect(labelled.status).toBe(200);

    contentType = 'application/json';
    const asJson = await askStream(provider, dialect);
    expect(asJson).toEqual(labelled);

    document = (name) => `\r\n\n: keep-alive\n\n${readFixture(fixtureProviders[name].dir, 'stream.txt')}`;
    expect(await askStream(provider, dialect)).toEqual(labelled);
  });

  it.each(sseCases)("$provider to $dialect: the provider's events with no content type are streamed", async ({ provider, dialect }) => {
    document = (name) => readFixture(fixtureProviders[name].dir, 'stream.txt');
    contentType = 'text/event-stream';
    const labelled = await askStream(provider, dialect);
    contentType = undefined;
    expect(await askStream(provider, dialect)).toEqual(labelled);
  });
});

/**
 * A stream request answered at 200 with an HTML page (a wrong base URL, a proxy's error
 * page) or any body that is not events: read as events it held none, and answered "ended
 * before its first chunk", which hid what came; the whole-answer path says "not JSON".
 */
describe('a stream request answered with a body that is not an event stream', () => {
  afterEach(() => {
    contentType = 'application/json; charset=utf-8';
  });
  const page = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n';

  it.each(sseCases)('$provider to $dialect: an HTML page at 200 is a 502 naming its content type', async ({ provider, dialect }) => {
    document = () => page;
    contentType = 'text/html; charset=utf-8';
    const streamed = await ask(provider, dialect, true);
    expect(streamed.status).toBe(502);
    expect(streamed.code).toBe('upstream_invalid_response');
    expect(streamed.message).toBe(
      `The ${provider} upstream answered a stream request with text/html, not an event stream (text/event-stream): check the provider's base URL.`,
    );
    expect(streamed.record.status).toBe(502);
  });

  it.each(sseCases)('$provider to $dialect: an HTML page with no content type, or plain text, is a 502 saying it was not an event stream', async ({ provider, dialect }) => {
    document = () => page;
    contentType = undefined;
    const unlabelled = await ask(provider, dialect, true);
    expect({ status: unlabelled.status, code: unlabelled.code }).toEqual({ status: 502, code: 'upstream_invalid_response' });
    expect(unlabelled.message).toBe(`The ${provider} upstream answered a stream request with a body, not an event stream (text/event-stream): check the provider's base URL.`);
    contentType = 'text/plain';
    document = () => 'Service temporarily unavailable\n';
    expect((await ask(provider, dialect, true)).message).toContain('with text/plain, not an event stream');
  });

  it.each(sseCases)("$provider to $dialect: the provider's events labelled text/plain are still streamed", async ({ provider, dialect }) => {
    document = (name) => readFixture(fixtureProviders[name].dir, 'stream.txt');
    contentType = 'text/event-stream';
    const labelled = await askStream(provider, dialect);
    expect(labelled.status).toBe(200);
    contentType = 'text/plain; charset=utf-8';
    expect(await askStream(provider, dialect)).toEqual(labelled);
  });
});
