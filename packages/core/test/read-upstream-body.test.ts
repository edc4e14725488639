import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../src/transport/read-upstream-body.js';
import { RequestAbort, UpstreamBodyGuard } from '../src/transport/upstream-body-guard.js';
import type { UpstreamResponse } from '../src/transport/upstream-transport.js';

function answer(maxBytes = 1024) {
  const body = new PassThrough();
  const client = new AbortController();
  const guard = new UpstreamBodyGuard({ maxBytes, maxDurationMs: 60_000 }, 'up', client.signal);
  guard.attach(body);
  const response = { statusCode: 200, headers: {}, body, guard } as unknown as UpstreamResponse;
  return { body, client, guard, read: () => readJsonBody(response, 'up', client.signal) };
}

describe('readJsonBody', () => {
  it('parses an answer in one chunk or in several (a character split between two kept whole)', async () => {
    const one = answer();
    one.body.end('{"a":1}');
    await expect(one.read()).resolves.toEqual({ a: 1 });
    const several = answer();
    const bytes = Buffer.from('{"word":"héllo"}');
    const reading = several.read();
    several.body.write(bytes.subarray(0, 11)); // inside the two bytes of é
    several.body.end(bytes.subarray(11));
    await expect(reading).resolves.toEqual({ word: 'héllo' });
  });

  it('a body over the size bound is cut: upstream_response_too_large', async () => {
    const big = answer(8);
    const reading = big.read();
    big.body.write('{"a":"0123456789"}');
    await expect(reading).rejects.toMatchObject({ code: 'upstream_response_too_large' });
  });

  it('a body that breaks off (an error, a close before its end, already destroyed) is upstream_invalid_response; the client leaving is an abort', async () => {
    const broken = answer();
    const reading = broken.read();
    broken.body.write('{"a":');
    broken.body.destroy(new Error('socket hang up'));
    await expect(reading).rejects.toMatchObject({ code: 'upstream_invalid_response' });

    const closed = answer();
    const closing = closed.read();
    closed.body.write('{"a":');
    closed.body.destroy();
    await expect(closing).rejects.toMatchObject({ code: 'upstream_invalid_response' });

    const gone = answer();
    gone.body.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(gone.read()).rejects.toMatchObject({ code: 'upstream_invalid_response' });

    const left = answer();
    const leaving = left.read();
    left.client.abort();
    left.body.destroy(new Error('aborted'));
    await expect(leaving).rejects.toMatchObject({ code: 'client_closed_request' });
  });
});

describe('RequestAbort (the signal undici is given)', () => {
  it('is aborted once, with the first reason, and tells its listeners once', () => {
    const abort = new RequestAbort();
    const heard: unknown[] = [];
    abort.once('abort', () => heard.push(abort.reason));
    abort.abort('first');
    abort.abort('second');
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe('first');
    expect(heard).toEqual(['first']);
  });

  it('passes the client leaving on to the upstream request', () => {
    const client = new AbortController();
    const guard = new UpstreamBodyGuard({ maxBytes: 10, maxDurationMs: 60_000 }, 'up', client.signal);
    expect(guard.signal.aborted).toBe(false);
    client.abort(new Error('gone'));
    expect(guard.signal.aborted).toBe(true);
    expect((guard.signal.reason as Error).message).toBe('gone');
  });
});
