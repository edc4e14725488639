import type { LookupAddress, LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamLookup, UpstreamLookupTimeout, lookupTimeoutFor, type ResolveHostname } from '../src/transport/upstream-lookup.js';

// The lookup the transport's connections use, against a stand-in resolver that answers when
// the test says, on a held clock: what a hung, slow or busy DNS server costs a request.

type Pending = { hostname: string; options: LookupAllOptions; answer: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void };

/** A resolver that answers nothing by itself: each call waits in `calls` for the test. */
function heldResolver(): { resolve: ResolveHostname; calls: Pending[] } {
  const calls: Pending[] = [];
  return { calls, resolve: (hostname, options, answer) => void calls.push({ hostname, options, answer }) };
}

const address = (last: number): LookupAddress[] => [{ address: `10.0.0.${last}`, family: 4 }];

/** One `net.connect` lookup as Node makes it (all addresses, hints), its outcome kept. */
function look(lookup: LookupFunction, hostname: string) {
  const outcome: { error?: NodeJS.ErrnoException | null; addresses?: unknown } = {};
  lookup(hostname, { all: true, hints: 32 }, (error, addresses) => Object.assign(outcome, { error, addresses }));
  return outcome;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('UpstreamLookup', () => {
  it('a lookup that gets no answer fails after its timeout with UpstreamLookupTimeout naming the host', async () => {
    const { resolve } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(100);
    const outcome = look(lookup, 'api.hung.test');
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toEqual({});
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.error).toBeInstanceOf(UpstreamLookupTimeout);
    expect(outcome.error!.message).toBe('the DNS lookup of api.hung.test gave no answer within 100 ms');
  });

  it('concurrent lookups of one name share one resolver call, and all get its answer', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(1000);
    const outcomes = Array.from({ length: 20 }, () => look(lookup, 'api.burst.test'));
    expect(calls.map((call) => call.hostname)).toEqual(['api.burst.test']);
    calls[0]!.answer(null, address(7));
    await vi.advanceTimersByTimeAsync(0);
    for (const outcome of outcomes) expect(outcome).toEqual({ error: null, addresses: address(7) });
  });

  it('an answer is reused for 30 s without asking the resolver, then asked for again', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(1000);
    look(lookup, 'api.cached.test');
    calls[0]!.answer(null, address(1));
    await vi.advanceTimersByTimeAsync(29_999);
    const reused = look(lookup, 'api.cached.test');
    await vi.advanceTimersByTimeAsync(0);
    expect(reused).toEqual({ error: null, addresses: address(1) });
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    look(lookup, 'api.cached.test');
    expect(calls).toHaveLength(2);
  });

  it('a failure is passed on and not reused: the next lookup asks again', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(1000);
    const first = look(lookup, 'api.missing.test');
    calls[0]!.answer(Object.assign(new Error('getaddrinfo ENOTFOUND api.missing.test'), { code: 'ENOTFOUND' }), []);
    expect(first.error).toMatchObject({ code: 'ENOTFOUND' });
    look(lookup, 'api.missing.test');
    expect(calls).toHaveLength(2);
  });

  it('at most two names are resolved at once; the others wait for a slot, each caller still bounded by its timeout', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(100);
    const outcomes = ['a.test', 'b.test', 'c.test', 'd.test'].map((name) => look(lookup, name));
    expect(calls.map((call) => call.hostname)).toEqual(['a.test', 'b.test']);
    // The two hung lookups' callers give up; their threads are still busy, so their slots stay taken.
    await vi.advanceTimersByTimeAsync(100);
    for (const outcome of outcomes) expect(outcome.error).toBeInstanceOf(UpstreamLookupTimeout);
    const later = look(lookup, 'e.test');
    expect(calls).toHaveLength(2);
    // One returns: the waiting name nobody gave up on is resolved next; names nobody waits for any more are not.
    calls[0]!.answer(null, address(1));
    expect(calls.map((call) => call.hostname)).toEqual(['a.test', 'b.test', 'e.test']);
    calls[2]!.answer(null, address(5));
    await vi.advanceTimersByTimeAsync(0);
    expect(later).toEqual({ error: null, addresses: address(5) });
  });

  it('a lookup that returns after its callers gave up still fills the cache', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(100);
    look(lookup, 'api.slow.test');
    await vi.advanceTimersByTimeAsync(100);
    calls[0]!.answer(null, address(3));
    const next = look(lookup, 'api.slow.test');
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toEqual({ error: null, addresses: address(3) });
    expect(calls).toHaveLength(1);
  });

  it('localhost is the loopback interface, answered without the resolver; a single-address lookup gets one', async () => {
    const { resolve, calls } = heldResolver();
    const lookup = new UpstreamLookup({ resolve }).forConnect(100);
    const all = look(lookup, 'localhost');
    let single: unknown[] = [];
    lookup('localhost', { family: 6 }, (...answer) => (single = answer));
    await vi.advanceTimersByTimeAsync(0);
    expect(all).toEqual({ error: null, addresses: [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }] });
    expect(single).toEqual([null, '::1', 6]);
    expect(calls).toHaveLength(0);
  });

  it('waits half the connect timeout, at most 5 s, so its failure comes before the connect timeout', () => {
    expect([lookupTimeoutFor(200), lookupTimeoutFor(10_000), lookupTimeoutFor(60_000), lookupTimeoutFor(1)]).toEqual([100, 5000, 5000, 1]);
  });
});
