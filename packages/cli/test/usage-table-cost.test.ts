import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@switchyard/core';
import { createAdminRouter } from '@switchyard/policy-keys';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKeyStore } from '../../../plugins/policy-keys/test/support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from '../../../plugins/policy-keys/test/support/memory-usage-ledger.js';
import { usageCommand } from '../src/commands/usage.js';

/**
 * `switchyard usage`'s table shows each group's spend and the total to the micro-dollar,
 * as `GET /admin/usage` and the dashboard do: a key that spent $0.000049 is not $0.0000,
 * and the TOTAL row is what the rows shown add up to.
 */
const masterKey = 'sy-master-cli-usage-cost-0123456789';
const ledger = new MemoryUsageLedger();
let server: Server;
let url: string;
let cwd: string;

beforeAll(async () => {
  const app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-usage-cost-'));
  const at = new Date().toISOString();
  await ledger.append([
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.000049 }),
    usageRecord({ at, keyId: 'key_b', team: 'beta', costUsd: 0.00005 }),
    usageRecord({ at, keyId: 'key_c', team: 'gamma', costUsd: 0.00005 }),
    usageRecord({ at, keyId: 'key_d', team: 'delta', costUsd: 0.1 }),
    usageRecord({ at, keyId: 'key_e', team: 'epsilon', costUsd: 0.2 }),
  ]);
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

describe('switchyard usage table', () => {
  it('shows spend per group and the total to the micro-dollar, the total adding up the rows', async () => {
    let printed = '';
    const code = await usageCommand(['--group-by', 'team'], { SWITCHYARD_URL: url, SWITCHYARD_MASTER_KEY: masterKey }, cwd, {
      write: (text) => void (printed += text),
      isTTY: false,
    });
    expect(code).toBe(0);
    const rows = printed.trimEnd().split('\n').slice(3).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[4]])).toEqual([
      ['alpha', '$0.000049'],
      ['beta', '$0.000050'],
      ['delta', '$0.100000'],
      ['epsilon', '$0.200000'],
      ['gamma', '$0.000050'],
      ['TOTAL', '$0.300149'],
    ]);
  });
});
