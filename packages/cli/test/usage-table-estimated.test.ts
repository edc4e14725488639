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
 * `switchyard usage`'s table shows how much of each group's cost rests on the gateway's
 * estimates (records without the provider's usage), and a footnote saying what that means;
 * a window without estimates shows `-` and no footnote.
 */
const masterKey = 'sy-master-cli-usage-estimated-0123456';
const ledger = new MemoryUsageLedger();
let server: Server;
let url: string;
let cwd: string;

beforeAll(async () => {
  const app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-usage-estimated-'));
  const at = new Date().toISOString();
  await ledger.append([
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.0017, usageEstimated: true, status: 499, errorCode: 'client_closed_request' }),
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.0017, usageEstimated: true }),
    usageRecord({ at, keyId: 'key_a', team: 'alpha', costUsd: 0.5 }),
    usageRecord({ at, keyId: 'key_b', team: 'beta', costUsd: 0.25 }),
    usageRecord({ at, keyId: 'key_c', team: 'gamma', costUsd: 0.0017, usageEstimated: true }),
  ]);
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

async function table(args: string[]): Promise<string> {
  let printed = '';
  const code = await usageCommand(args, { SWITCHYARD_URL: url, SWITCHYARD_MASTER_KEY: masterKey }, cwd, { write: (text) => void (printed += text), isTTY: false });
  expect(code).toBe(0);
  return printed;
}

describe('switchyard usage table: estimated spend', () => {
  it('shows per group and in total the estimated cost and requests, and says what an estimate is', async () => {
    const printed = await table(['--group-by', 'team']);
    const lines = printed.trimEnd().split('\n');
    expect(lines[2]!.split(/\s{2,}/)).toEqual(['TEAM', 'REQUESTS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST', 'ERRORS', 'ESTIMATED']);
    const rows = lines.slice(3, 7).map((line) => line.split(/\s{2,}/));
    expect(rows.map((row) => [row[0], row[4], row[6]])).toEqual([
      ['alpha', '$0.503400', '$0.003400 (2 req)'],
      ['beta', '$0.250000', '-'],
      ['gamma', '$0.001700', '$0.001700 (1 req)'],
      ['TOTAL', '$0.755100', '$0.005100 (3 req)'],
    ]);
    expect(printed).toContain("ESTIMATED: the part of COST billed on the gateway's estimate of the tokens");
  });

  it('a window without estimates shows - and no footnote', async () => {
    const printed = await table(['--key', 'key_b']);
    expect(printed.trimEnd().split('\n').slice(3).map((line) => line.split(/\s{2,}/)[6])).toEqual(['-', '-']);
    expect(printed).not.toContain('ESTIMATED:');
  });

  it('--json passes the API\'s estimated fields through', async () => {
    const report = JSON.parse(await table(['--group-by', 'team', '--json'])) as { data: Array<{ group: string; estimated_requests: number; estimated_cost_usd: number }> };
    expect(report.data.map((row) => [row.group, row.estimated_requests, row.estimated_cost_usd])).toEqual([
      ['alpha', 2, 0.0034],
      ['beta', 0, 0],
      ['gamma', 1, 0.0017],
    ]);
  });
});
