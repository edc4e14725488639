import { randomBytes } from 'node:crypto';
import { createLogger, type KeyChange } from '@switchyard/core';
import { findRedis } from '@switchyard/testing';
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
