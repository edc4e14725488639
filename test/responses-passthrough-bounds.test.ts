import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The stream bounds hold on the Responses pass-through as on every other path: an
 * endless OpenAI Responses stream is cut at `limits.stream_max_duration_ms` or
 * `limits.stream_max_bytes` with the gateway's `response.failed`, the upstream is
 * aborted, the ledger records the failure; a whole answer over the byte bound is 502.
 */

let upstream: MockOpenAI | undefined;
let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

async function start(limits: Record<string, number>) {
  upstream = await startMockOpenAI();
  gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    limits,
  });
  const finished = new Promise<RequestRecord>((resolve) => gateway!.gateway.runtime.onRequestFinished(resolve));
  const create = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gateway!.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'once', input: 'one two three', ...body }),
    });
    return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
  };
  return { upstream, create, finished };
}

/** The named events of a Responses stream, parsed. */
function events(text: string): Array<Record<string, any>> {
  return text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as Record<string, any>);
}

describe('stream bounds on the Responses pass-through', () => {
  it('cuts an endless stream at limits.stream_max_duration_ms with a response.failed, aborting the upstream', async () => {
    const { upstream, create, finished } = await start({ stream_max_duration_ms: 1000 });
    // Event 4 of OpenAI's Responses stream is the first text delta: repeated until the client (the gateway) leaves.
    upstream.enqueue({ reply: { content: 'one two three' }, stream: { repeatEvent: 4, chunkDelayMs: 20 } });
    const { status, path, text } = await create({ stream: true });
    expect(status).toBe(200);
    expect(path).toBe('fast');
    const all = events(text);
    expect(all.filter((event) => event['type'] === 'response.output_text.delta').length).toBeGreaterThan(0);
    const last = all.at(-1)!;
    expect(last).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: expect.stringMatching(/\(gateway code: upstream_duration_exceeded\)$/) } } });
    // The upstream's own numbers pass through (the mock repeats one event, number and all); the gateway's event comes next.
    expect(last['sequence_number']).toBe(all.at(-2)!['sequence_number'] + 1);
    await upstream.waitForAborts(1);
    const record = await finished;
    expect(record).toMatchObject({ endpoint: 'responses', errorCode: 'upstream_duration_exceeded', stream: true });
    expect(record.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('cuts an endless stream at limits.stream_max_bytes with a response.failed, aborting the upstream', async () => {
    const { upstream, create, finished } = await start({ stream_max_bytes: 16 * 1024 });
    upstream.enqueue({ reply: { content: 'one two three' }, stream: { repeatEvent: 4, chunkDelayMs: 2 } });
    const { status, text } = await create({ stream: true });
    expect(status).toBe(200);
    expect(events(text).at(-1)).toMatchObject({ type: 'response.failed', response: { error: { code: 'server_error', message: expect.stringMatching(/\(gateway code: upstream_response_too_large\)$/) } } });
    expect(Buffer.byteLength(text)).toBeLessThan(2 * 16 * 1024);
    await upstream.waitForAborts(1);
    expect(await finished).toMatchObject({ errorCode: 'upstream_response_too_large' });
  });

  it('refuses a whole Response larger than limits.stream_max_bytes with 502 upstream_response_too_large, storing nothing', async () => {
    const { upstream, create, finished } = await start({ stream_max_bytes: 1024 });
    upstream.enqueue({ reply: { content: 'word '.repeat(2000) } });
    const { status, text } = await create({});
    expect(status).toBe(502);
    expect(JSON.parse(text).error).toMatchObject({ code: 'upstream_response_too_large', type: 'server_error' });
    expect(await finished).toMatchObject({ status: 502, errorCode: 'upstream_response_too_large' });
  });
});
