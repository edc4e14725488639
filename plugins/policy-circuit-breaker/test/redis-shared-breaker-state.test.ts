import { createLogger } from '@switchyard/core';
import { findRedis, freshRedisPrefix, startTcpRelay } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSharedBreakerState, sharedRedisSettings } from '../src/index.js';

const redis = await findRedis();
const logger = createLogger({ level: 'silent' });
const deployment = 'openai/gpt-4o-mini';

const created: RedisSharedBreakerState[] = [];
afterEach(async () => {
  for (const state of created.splice(0)) await state.close();
});

/** Resolves on the next turn of the event loop after `condition` holds (checked on every turn). */
async function whenTrue(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.skipIf(!redis.available)('RedisSharedBreakerState on a real Redis (REDIS_URL)', () => {
  const url = redis.available ? redis.url : '';
  let admin: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    for (const used of prefixes) {
      const found = await admin.keys(`${used}*`);
      if (found.length > 0) await admin.del(...found);
    }
    await admin.quit();
  });

  /** Two instances' shared states on one fresh prefix, both subscribed and refreshed. */
  async function pair() {
    const prefix = freshRedisPrefix();
    prefixes.push(prefix);
    const make = () => {
      const state = new RedisSharedBreakerState({
        redis: sharedRedisSettings({ url, key_prefix: prefix, refresh_interval_ms: 60_000 }),
        isKnown: (name) => name.startsWith('openai/'),
        maxMarks: 100,
        logger,
      });
      created.push(state);
      return state;
    };
    const [one, two] = [make(), make()];
    // Subscribed once each instance's subscription shows in PUBSUB NUMSUB.
    await whenTrue(() => one.health().reachable && two.health().reachable, 'both to connect');
    await new Promise<void>((resolve, reject) => {
      const check = async () => {
        const [, count] = (await admin.pubsub('NUMSUB', `${prefix}events`)) as [string, number];
        if (Number(count) >= 2) resolve();
        else setImmediate(() => void check().catch(reject));
      };
      void check().catch(reject);
    });
    return { one, two, prefix };
  }

  it('an open mark reaches the other instance through pub/sub (propagation measured), and close clears it on both', async () => {
    const { one, two, prefix } = await pair();
    const delays: number[] = [];
    for (let round = 0; round < 30; round++) {
      const name = `openai/model-${round}`;
      const started = performance.now();
      one.markOpen(name, 60_000);
      await whenTrue(() => two.stateOf(name) === 'open', `round ${round} to propagate`);
      delays.push(performance.now() - started);
      one.markClosed(name);
      await whenTrue(() => two.stateOf(name) === undefined, `round ${round} to close`);
    }
    delays.sort((a, b) => a - b);
    const p50 = delays[Math.floor(delays.length / 2)]!;
    console.info(`[shared breaker] open mark propagation over ${delays.length} opens: p50 ${p50.toFixed(2)} ms, max ${delays.at(-1)!.toFixed(2)} ms`);
    expect(await admin.keys(`${prefix}open:*`)).toEqual([]);
    expect(await admin.zcard(`${prefix}open-index`)).toBe(0);
  });

  it('exactly one of many concurrent probe claims across instances wins; the winner can give it back', async () => {
    const { one, two } = await pair();
    const claims = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? one : two).claimProbe(deployment, 10_000)));
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim === 'taken')).toHaveLength(9);
    const winner = claims.indexOf('claimed') % 2 ? one : two;
    const loser = winner === one ? two : one;
    // Only the holder's release frees the token.
    loser.releaseProbe(deployment);
    expect(await loser.claimProbe(deployment, 10_000)).toBe('taken');
    winner.releaseProbe(deployment);
    // The release goes over the winner's connection without being awaited: claim until it landed.
    let again = 'taken';
    for (let tries = 0; again === 'taken' && tries < 1000; tries++) again = await loser.claimProbe(deployment, 10_000);
    expect(again).toBe('claimed');
  });

  it('a refresh reads the marks Redis holds, with the open time left (Redis clock, not ours)', async () => {
    const { one, prefix } = await pair();
    one.markOpen(deployment, 30_000);
    await whenTrue(() => one.stateOf(deployment) === 'open', 'the local mark');
    const late = new RedisSharedBreakerState({
      redis: sharedRedisSettings({ url, key_prefix: prefix, refresh_interval_ms: 60_000 }),
      isKnown: () => true,
      maxMarks: 100,
      logger,
    });
    created.push(late);
    await whenTrue(() => late.stateOf(deployment) === 'open', 'the first refresh');
    const seen = late.health().open[deployment]!;
    expect(seen.state).toBe('open');
    expect(seen.open_ms_left).toBeGreaterThan(25_000);
    expect(seen.open_ms_left).toBeLessThanOrEqual(30_000);
  });
});

describe.skipIf(!redis.available)('keys of another type under the prefix (WRONGTYPE: another program wrote there)', () => {
  it('an index that is not a sorted set is written over and a mark that is not a string passed by: marks are shared, Redis reachable', async () => {
    const url = redis.available ? redis.url : '';
    const admin = new Redis(url);
    const prefix = freshRedisPrefix();
    try {
      await admin.set(`${prefix}open-index`, 'not a sorted set');
      const make = () => {
        const state = new RedisSharedBreakerState({
          redis: sharedRedisSettings({ url, key_prefix: prefix, refresh_interval_ms: 50 }),
          isKnown: (name) => name.startsWith('openai/'),
          maxMarks: 100,
          logger,
        });
        created.push(state);
        return state;
      };
      const one = make();
      await new Promise((resolve) => setTimeout(resolve, 300));
      one.markOpen(deployment, 30_000);
      // Before: every mark's script failed WRONGTYPE at its ZADD (unpublished, unindexed), and every refresh, for as long as the key stayed.
      const late = make();
      await whenTrue(() => late.stateOf(deployment) === 'open', 'the mark, read by a later instance');
      // A mark another program left as a hash, indexed: the refresh reads the others and passes over it.
      await admin.hset(`${prefix}open:openai/other`, 'x', '1');
      await admin.zadd(`${prefix}open-index`, Date.now() + 60_000, 'openai/other');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect({ one: one.health().reachable, late: late.health().reachable }).toEqual({ one: true, late: true });
      expect(late.stateOf(deployment)).toBe('open');
      expect(late.stateOf('openai/other')).toBeUndefined();
    } finally {
      const found = await admin.keys(`${prefix}*`);
      if (found.length > 0) await admin.del(...found);
      await admin.quit();
    }
  });
});

describe.skipIf(!redis.available)('the event subscriber when Redis goes silent, the socket still open (blackholed)', () => {
  it('notices by its PING going unanswered, says unreachable, reconnects, and hears events again', async () => {
    const url = redis.available ? redis.url : '';
    const where = new URL(url);
    const relay = await startTcpRelay({ host: where.hostname, port: Number(where.port || 6379) });
    const admin = new Redis(url);
    const prefix = freshRedisPrefix();
    /** What reached the blackhole, each connection's bytes as text. */
    const swallowed = () => relay.swallowed().map(({ bytes }) => bytes.toString('latin1'));
    try {
      const make = (through: string) => {
        // No periodic refresh (60 s): the commands connection stays idle, so only the subscriber's PING can notice.
        const state = new RedisSharedBreakerState({
          redis: sharedRedisSettings({ url: through, key_prefix: prefix, refresh_interval_ms: 60_000, ping_interval_ms: 50 }),
          isKnown: () => true,
          maxMarks: 100,
          logger,
        });
        created.push(state);
        return state;
      };
      const listening = make(relay.urlFor(url));
      const other = make(url);
      const closedRemotely: string[] = [];
      listening.onRemoteClose((name) => closedRemotely.push(name));
      const subscribed = async () => {
        const [, count] = (await admin.pubsub('NUMSUB', `${prefix}events`)) as [string, number];
        return Number(count);
      };
      await expect.poll(subscribed, { timeout: 5000 }).toBe(2);
      await whenTrue(() => listening.health().reachable, 'the instance behind the relay to connect');

      await relay.setMode('blackhole'); // nothing arrives any more, and nothing says so
      // Its PING goes unanswered, so the subscriber is given up: a new connection names itself the subscriber.
      // (Without the PING nothing is ever sent on it, and nothing notices.)
      await expect.poll(() => swallowed().some((bytes) => bytes.includes('switchyard-breaker-events')), { timeout: 10_000 }).toBe(true);
      expect(listening.health().reachable).toBe(false);

      await relay.setMode('pass');
      // Events reach it again once it has resubscribed (a close event comes by pub/sub only, never by the refresh).
      // Sent until one is heard: there is no event for "resubscribed", and NUMSUB still counts the blackholed connection for a while.
      await expect.poll(() => {
        other.markClosed(deployment);
        return closedRemotely.includes(deployment);
      }, { timeout: 10_000 }).toBe(true);
    } finally {
      for (const state of created.splice(0)) await state.close();
      const found = await admin.keys(`${prefix}*`);
      if (found.length > 0) await admin.del(...found);
      await admin.quit();
      await relay.close();
    }
  });
});
