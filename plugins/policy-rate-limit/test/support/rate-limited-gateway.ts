import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createGateway, createLogger, definePlugin, getContext, type Gateway, type KeyScope } from '@switchyard/core';
import cache from '@switchyard/policy-cache';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import express from 'express';
import rateLimit, { createRateLimitHandler, rateLimitOptionsSchema, type RateLimitOptions } from '../../src/index.js';

export const masterKey = 'sy-master-key-0123456789abcdef';

/** Static keys of the test gateways; `scopes` below turns them into keys with limits. */
export const keys = {
  alice: 'sy-alice-key-0123456789abcdef',
  bob: 'sy-bob-key-0123456789abcdefgh',
  carol: 'sy-carol-key-0123456789abcdef',
};

/**
 * Gives a static key a virtual key's scope, as the auth step does for keys from a
 * key store: the rate-limit step reads `principal.scope.rpm/tpm` either way.
 */
const testScope = definePlugin<{ scopes: Record<string, KeyScope> }>({
  name: 'test-scope',
  optionsSchema: { type: 'object', properties: { scopes: { type: 'object', default: {} } } },
  create: (options) => (_req, res, next) => {
    const context = getContext(res);
    const scope = context.principal && options.scopes[context.principal.name];
    if (context.principal && scope) context.principal = { ...context.principal, kind: 'virtual', scope };
    next();
  },
});

export interface RateLimitedGatewayOptions {
  /** The rate-limit step's options, as in the YAML. */
  rateLimit: Record<string, unknown>;
  scopes?: Record<string, KeyScope>;
  /** A fake clock: the step is then built with `createRateLimitHandler` and this clock. */
  clock?: () => number;
  /** The cache step's options: with them, `cache` runs between rate-limit and route. */
  cache?: Record<string, unknown>;
  /** The config's `models:` (aliases and groups). */
  models?: Record<string, unknown>;
}

export interface RateLimitedGateway {
  gateway: Gateway;
  app: express.Express;
  logLines: string[];
  close(): Promise<void>;
}

/** A gateway with the chain auth → test-scope → rate-limit → (cache →) route → adapter over the mock provider. */
export async function rateLimitedGateway(options: RateLimitedGatewayOptions): Promise<RateLimitedGateway> {
  const clock = options.clock;
  const step = clock
    ? definePlugin<RateLimitOptions>({
        name: 'rate-limit',
        optionsSchema: rateLimitOptionsSchema,
        create: (checked, runtime) => createRateLimitHandler(checked, runtime, { clock }),
      })
    : rateLimit;
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const gateway = await createGateway(
    {
      master_key: masterKey,
      ...(options.models && { models: options.models }),
      chain: [
        { auth: { keys: Object.entries(keys).map(([name, key]) => ({ name, key, team: name === 'carol' ? 'ops' : 'research' })) } },
        { 'test-scope': { scopes: options.scopes ?? {} } },
        { 'rate-limit': options.rateLimit },
        ...(options.cache ? [{ cache: options.cache }] : []),
        'route',
        'adapter',
      ],
    },
    { plugins: [auth, testScope, step, cache, route, mock], logger },
  );
  const app = express().use(gateway.router);
  return { gateway, app, logLines, close: () => gateway.close({ drainTimeoutMs: 1000 }) };
}

/** Serves an app on a loopback port; answers its origin and a close function. */
export async function listen(app: express.Express): Promise<{ origin: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A chat request body for `mock/echo`. */
export function chat(content = 'hello', extra: Record<string, unknown> = {}) {
  return { model: 'mock/echo', messages: [{ role: 'user', content }], ...extra };
}

/** A settable clock, in epoch milliseconds. */
export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  });
}
