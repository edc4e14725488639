import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps, definePlugin, defineProvider, getContext, type ChatResponse, type RequestRecord, type SwitchyardSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import express from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

let providerCalls = 0;
const counted = defineProvider({
  name: 'counted',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async (call) => {
        providerCalls++;
        return { id: 'answer', model: call.model, created: 0, content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop' }, usage: { inputTokens: 30, outputTokens: 6 } } as ChatResponse;
      },
      stream: () => {
        throw new Error('not used');
      },
    },
  }),
});

const secret = 'sy-call-after-finish-key-0123456789abcdef';
const epoch = new Date(0).toISOString();
const dirs: string[] = [];
const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each([
  ['grants', {}],
  ['a reservation per request', { requests: 0 }],
] as const)('an app calling a model after its response ended (%s)', (_name, grants) => {
  it('the late call is refused (499) before anything is held or sent, rather than waiting forever for steps that never run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-call-after-finish-'));
    dirs.push(dir);
    const switchyard: SwitchyardSteps = await createSteps(
      {
        providers: { counted: {} },
        prices: { 'counted/*': { input: 1, output: 2 } },
        storage: { use: 'sqlite' },
        server: { data_dir: dir },
        chain: ['auth', { 'key-scope': { budget_grants: grants } }, 'route'],
        log: { level: 'silent' },
      },
      { plugins: [...builtInPlugins, counted] },
    );
    const key = await switchyard.runtime.storage!.keys.create(
      { name: 'late', scope: { budget: { limitUsd: 10, period: 'total' } } },
      { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
    );
    const records: RequestRecord[] = [];
    switchyard.runtime.onRequestFinished((record) => records.push(record));
    let lateCall: Promise<{ value: unknown } | { error: unknown }> | undefined;
    const app = express();
    app.post('/api/job', express.json(), switchyard.step('auth'), switchyard.step('key-scope'), (_req, res) => {
      // Answered first, the work done after: the request is over once its response has closed.
      res.json({ accepted: true });
      lateCall = once(res, 'close')
        .then(() => switchyard.call(res, { model: 'counted/model', max_tokens: 20, messages: [{ role: 'user', content: 'later' }] }))
        .then((value) => ({ value }), (error: unknown) => ({ error }));
    });
    app.use(switchyard.errorHandler());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    opened.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await switchyard.close();
    });
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/job`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
    await response.text();
    // Set before the answer was sent, so it is there once the answer is read.
    const outcome = await lateCall!;
    expect(outcome).toMatchObject({ error: { code: 'client_closed_request', status: 499 } });
    expect(providerCalls).toBe(0);
    const budgets = switchyard.runtime.storage!.budgets;
    expect(await budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBe(0);
    expect(records).toHaveLength(1);
    expect(records[0]!.costUsd ?? 0).toBe(0);
    providerCalls = 0;
  });
});

/**
 * A step of the call's own (not mounted on the route) that holds the call until the client
 * has left: as a step (`where: step`) or around the routed call (`where: call`), the way a
 * step awaiting a store does when the client leaves meanwhile.
 */
let clientMayLeave: () => void = () => undefined;
const untilClientLeaves = definePlugin<{ where: 'step' | 'call' }>({
  name: 'until-client-leaves',
  optionsSchema: { type: 'object', properties: { where: { enum: ['step', 'call'] } } },
  create: ({ where }) => (_req, res, next) => {
    const waitForClose = () => {
      clientMayLeave();
      return res.closed ? Promise.resolve() : once(res, 'close').then(() => undefined);
    };
    if (where === 'step') {
      void waitForClose().then(() => next());
      return;
    }
    getContext(res).requestInterceptors.push((call) => () => waitForClose().then(call));
    next();
  },
});

describe.each([
  ['grants', {}, 'step'],
  ['grants', {}, 'call'],
  ['a reservation per request', { requests: 0 }, 'step'],
  ['a reservation per request', { requests: 0 }, 'call'],
] as const)('a client that leaves while the app prepares its call (%s, waiting in a %s)', (_name, grants, where) => {
  it('the call is refused (499), holds nothing and sends nothing: no hold is made after the request was settled', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-call-client-left-'));
    dirs.push(dir);
    const switchyard: SwitchyardSteps = await createSteps(
      {
        providers: { counted: {} },
        prices: { 'counted/*': { input: 1, output: 2 } },
        storage: { use: 'sqlite' },
        server: { data_dir: dir },
        chain: ['auth', { 'key-scope': { budget_grants: grants } }, { 'until-client-leaves': { where } }, 'route'],
        log: { level: 'silent' },
      },
      { plugins: [...builtInPlugins, counted, untilClientLeaves] },
    );
    const key = await switchyard.runtime.storage!.keys.create(
      { name: 'left', scope: { budget: { limitUsd: 10, period: 'total' } } },
      { hash: hashApiKey(secret), prefix: secret.slice(0, 7) },
    );
    const records: RequestRecord[] = [];
    switchyard.runtime.onRequestFinished((record) => records.push(record));
    const outcomes: Array<{ value: unknown } | { error: unknown }> = [];
    const app = express();
    app.post('/api/ask', express.json(), switchyard.step('auth'), switchyard.step('key-scope'), async (_req, res) => {
      outcomes.push(
        await switchyard.call(res, { model: 'counted/model', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      );
    });
    app.use(switchyard.errorHandler());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    opened.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await switchyard.close();
    });
    const leave = new AbortController();
    clientMayLeave = () => leave.abort();
    await expect(
      fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ask`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: '{}',
        signal: leave.signal,
      }),
    ).rejects.toThrow();
    await expect.poll(() => outcomes.length).toBe(1);
    expect(outcomes[0]).toMatchObject({ error: { code: 'client_closed_request', status: 499 } });
    expect(providerCalls).toBe(0);
    const budgets = switchyard.runtime.storage!.budgets;
    // A grant nobody draws from is given back after idle_ms; a hold made after the settlement never is.
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch), { timeout: 5000 }).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBe(0);
    expect(records).toHaveLength(1);
  });
});
