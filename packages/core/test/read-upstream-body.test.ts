import { describe, expect, it } from 'vitest';
import { readJsonBody, readUpstreamError } from '../src/transport/read-upstream-body.js';
import { UpstreamBody } from '../src/transport/upstream-body.js';
import { UpstreamBodyGuard } from '../src/transport/upstream-body-guard.js';
import type { UpstreamResponse } from '../src/transport/upstream-call.js';

/** An answer as the transport's undici handler feeds it: `write`/`end` are the upstream sending, `fail` its connection breaking. */
function answer(maxBytes = 1024) {
  const cuts: string[] = [];
  const upstream = new UpstreamBody({ pause() {}, resume() {}, abort: (reason) => cuts.push(reason.message) });
  const client = new AbortController();
  const guard = new UpstreamBodyGuard({ maxBytes, maxDurationMs: 60_000 }, 'up', client.signal);
  guard.bind({ abort: (reason) => upstream.destroy(reason instanceof Error ? reason : new Error(String(reason))) });
  guard.attach(upstream);
  const response: UpstreamResponse = { statusCode: 200, headers: {}, body: upstream, guard };
  const body = {
    write: (chunk: string | Buffer) => upstream.push(Buffer.from(chunk)),
    end: (chunk?: string | Buffer) => {
      if (chunk !== undefined) upstream.push(Buffer.from(chunk));
      upstream.end();
    },
    fail: (error: Error) => upstream.fail(error),
  };
  return { body, upstream, cuts, client, guard, response, read: () => readJsonBody(response, 'up', client.signal) };
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

  it('a body over the size bound is upstream_response_too_large, and the guard cuts the request', async () => {
    const big = answer(8);
    const reading = big.read();
    big.body.write('{"a":"0123456789"}');
    await expect(reading).rejects.toMatchObject({ code: 'upstream_response_too_large' });
    expect(big.cuts).toEqual([expect.stringContaining('more than 8 bytes')]);
  });

  it('a body that breaks off (mid-answer, or before it is read) is upstream_invalid_response; the client leaving is an abort that cuts the request', async () => {
    const broken = answer();
    const reading = broken.read();
    broken.body.write('{"a":');
    broken.body.fail(new Error('socket hang up'));
    await expect(reading).rejects.toMatchObject({ code: 'upstream_invalid_response' });

    const gone = answer();
    gone.body.fail(new Error('other side closed'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(gone.read()).rejects.toMatchObject({ code: 'upstream_invalid_response' });

    const left = answer();
    const leaving = left.read();
    left.body.write('{"a":');
    left.client.abort(new Error('client gone'));
    await expect(leaving).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(left.cuts).toEqual(['client gone']);
  });

  it('an empty answer is not JSON: upstream_invalid_response', async () => {
    const empty = answer();
    const reading = empty.read();
    empty.body.end();
    await expect(reading).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });

});

describe('readUpstreamError', () => {
  it('reads an error body whole, a character split between chunks kept whole', async () => {
    const failed = answer();
    const bytes = Buffer.from('{"error":{"message":"héllo"}}');
    const reading = readUpstreamError(failed.response);
    failed.body.write(bytes.subarray(0, 22));
    failed.body.end(bytes.subarray(22));
    await expect(reading).resolves.toMatchObject({ status: 200, bodyText: '{"error":{"message":"héllo"}}' });
  });

  it('keeps what arrived of a body that breaks off, and stops reading (cutting the request) past 64 KiB', async () => {
    const broken = answer(1024 * 1024);
    const reading = readUpstreamError(broken.response);
    broken.body.write('{"error":');
    broken.body.fail(new Error('socket hang up'));
    await expect(reading).resolves.toMatchObject({ bodyText: '{"error":' });

    const huge = answer(1024 * 1024);
    const hugeReading = readUpstreamError(huge.response);
    for (let i = 0; i < 100; i++) huge.body.write(Buffer.alloc(1024, 'x'));
    const text = (await hugeReading).bodyText;
    expect(text.length).toBe(64 * 1024);
    expect(huge.cuts).toEqual(['Premature close']);
  });
});

describe('UpstreamBodyGuard', () => {
  it('passes the client leaving on to the upstream request, once, also when it left before the request was bound', () => {
    const client = new AbortController();
    const guard = new UpstreamBodyGuard({ maxBytes: 10, maxDurationMs: 60_000 }, 'up', client.signal);
    const cut: unknown[] = [];
    guard.bind({ abort: (reason) => cut.push(reason) });
    expect(cut).toEqual([]);
    client.abort(new Error('gone'));
    client.abort(new Error('twice'));
    expect(cut).toEqual([new Error('gone')]);

    const early = new AbortController();
    early.abort(new Error('left first'));
    const late = new UpstreamBodyGuard({ maxBytes: 10, maxDurationMs: 60_000 }, 'up', early.signal);
    const lateCut: unknown[] = [];
    late.bind({ abort: (reason) => lateCut.push(reason) });
    expect(lateCut).toEqual([new Error('left first')]);
  });

  it('cuts a request still waiting when its duration bound runs out: upstream_duration_exceeded', async () => {
    const client = new AbortController();
    const guard = new UpstreamBodyGuard({ maxBytes: 10, maxDurationMs: 5 }, 'up', client.signal);
    const cut = new Promise((resolve) => guard.bind({ abort: resolve }));
    await expect(cut).resolves.toMatchObject({ code: 'upstream_duration_exceeded' });
    expect(guard.error).toMatchObject({ code: 'upstream_duration_exceeded' });
  });
});
