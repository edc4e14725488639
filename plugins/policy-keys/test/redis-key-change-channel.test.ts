import { randomBytes } from 'node:crypto';
import { createLogger, type KeyChange } from '@switchyard/core';
import { findRedis, startTcpRelay } from '@switchyard/testing';
import { FailSoftRedis } from '@switchyard/redis-connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeyChangeChannel } from '../src/index.js';

const target = await findRedis();
const logger = createLogger({ level: 'silent' });

describe.skipIf(!target.available)('key change notices over Redis pub/sub', () => {
  const url = target.available ? target.url : '';
  const channel = `switchyard-test:key-changes:${randomBytes(6).toString('hex')}`;
  let connection: FailSoftRedis;
  const raw = () => connection.client;
  const opened: RedisKeyChangeChannel[] = [];
  const open = (name = channel) => {
    const created = new RedisKeyChangeChannel({ url, channel: name, logger });
    opened.push(created);
    return created;
  };

  /** Resolves once `count` subscribers listen on the channel (SUBSCRIBE has no event the test could await). */
  const subscribers = async (count: number) => {
    for (;;) {
      const [, listening] = (await raw().pubsub('NUMSUB', channel)) as [string, number];
      if (Number(listening) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeAll(async () => {
    connection = new FailSoftRedis({ url, connectionName: 'switchyard-test', onError: () => {} });
    await connection.whenFirstConnected();
  });

  afterAll(async () => {
    await Promise.all(opened.map((each) => each.close()));
    await connection?.close();
  });

  it('an instance hears what another publishes; a payload that is not a key id means "everything"', async () => {
    const publisher = open();
    const subscriber = open();
    const heard: KeyChange[] = [];
    let arrived: (() => void) | undefined;
    subscriber.subscribe((change) => {
      heard.push(change);
      arrived?.();
    });
    await subscribers(1);
    let next = new Promise<void>((resolve) => (arrived = resolve));
    expect(await publisher.publish('key_abc123')).toBe(true);
    await next;
    next = new Promise<void>((resolve) => (arrived = resolve));
    await raw().publish(channel, 'key_with spaces and 7 words');
    await next;
    expect(heard).toEqual([{ keyId: 'key_abc123' }, { everything: true }]);
  });

  it('a listener that stopped hears nothing more', async () => {
    const publisher = open();
    const subscriber = open();
    const heard: KeyChange[] = [];
    const stop = subscriber.subscribe((change) => heard.push(change));
    let arrived: (() => void) | undefined;
    subscriber.subscribe(() => arrived?.());
    await subscribers(2); // the first test's subscriber is still there
    stop();
    const next = new Promise<void>((resolve) => (arrived = resolve));
    await publisher.publish('key_after');
    await next;
    expect(heard).toEqual([]);
  });
});

/**
 * A subscriber behind a loopback relay the test can break or blackhole, a publisher
 * that talks to Redis directly, and `next()`, the next notice the subscriber hears.
 * Resolves once the subscription is in place (notices are published until one is heard:
 * SUBSCRIBE has no event to await).
 */
async function relayedSubscriber(url: string, subscriberOptions: { pingIntervalMs?: number; pingTimeoutMs?: number } = {}) {
  const where = new URL(url);
  const relay = await startTcpRelay({ host: where.hostname, port: Number(where.port || 6379) });
  const channel = `switchyard-test:key-changes:${randomBytes(6).toString('hex')}`;
  const subscriber = new RedisKeyChangeChannel({ url: relay.urlFor(url), channel, logger, ...subscriberOptions });
  const publisher = new RedisKeyChangeChannel({ url, channel, logger });
  let arrived: ((change: KeyChange) => void) | undefined;
  const next = () => new Promise<KeyChange>((resolve) => (arrived = resolve));
  const close = async () => {
    await subscriber.close();
    await publisher.close();
    await relay.close();
  };
  try {
    let probeHeard: (() => void) | undefined;
    const subscribed = new Promise<void>((resolve) => (probeHeard = resolve));
    let heard = false;
    subscriber.subscribe((change) => {
      // A probe is only the proof of the subscription: one published before it but heard late is no notice of the test's.
      if ('keyId' in change && change.keyId.startsWith('key_probe')) {
        heard = true;
        probeHeard?.();
        return;
      }
      arrived?.(change);
    });
    for (let ids = 0; !heard; ids++) {
      await publisher.publish(`key_probe${ids}`);
      await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { relay, publisher, next, close };
}

describe.skipIf(!target.available)('a subscriber connection that breaks', () => {
  it('reconnects, tells its listeners "everything" (notices meanwhile are lost), and hears the next notice', async () => {
    const { relay, publisher, next, close } = await relayedSubscriber(target.available ? target.url : '');
    try {
      const first = next();
      expect(relay.resetAll()).toBeGreaterThan(0);
      expect(await first).toEqual({ everything: true });
      const after = next();
      await publisher.publish('key_afterGap');
      expect(await after).toEqual({ keyId: 'key_afterGap' });
    } finally {
      await close();
    }
  });
});

describe.skipIf(!target.available)('a subscriber connection whose Redis goes silent, the socket still open (blackholed)', () => {
  it('notices by its PING going unanswered, reconnects, tells its listeners "everything", and hears the next notice', async () => {
    const { relay, publisher, next, close } = await relayedSubscriber(target.available ? target.url : '', { pingIntervalMs: 20, pingTimeoutMs: 200 });
    /** What reached the blackhole, each connection's bytes as text. */
    const swallowed = () => relay.swallowed().map(({ bytes }) => bytes.toString('latin1'));
    try {
      await relay.setMode('blackhole'); // nothing arrives any more, and nothing says so
      // Its PING goes unanswered, so the connection is given up: a new one names itself the subscriber.
      // (Without the PING nothing is ever sent on a subscribed connection, and nothing notices.)
      await expect.poll(() => swallowed().some((bytes) => bytes.includes('switchyard-key-changes-sub')), { timeout: 10_000 }).toBe(true);

      const back = next();
      await relay.setMode('pass');
      expect(await back).toEqual({ everything: true });
      const after = next();
      await publisher.publish('key_afterSilence');
      expect(await after).toEqual({ keyId: 'key_afterSilence' });
    } finally {
      await close();
    }
  });
});

describe('a Redis that cannot be reached', () => {
  it('publish resolves false (the notice is lost, the 1 s lookup cache bounds it) instead of throwing or hanging', async () => {
    const channel = new RedisKeyChangeChannel({ url: 'redis://127.0.0.1:1', channel: 'switchyard-test:nowhere', logger });
    try {
      expect(await channel.publish('key_lost')).toBe(false);
    } finally {
      await channel.close();
    }
  });
});
