import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type UsageRecord } from '@switchyard/core';
import { createAdminRouter } from '@switchyard/policy-keys';
import express from 'express';
import { MemoryKeyStore } from '../../../../plugins/policy-keys/test/support/memory-key-store.js';
import { MemoryUsageLedger } from '../../../../plugins/policy-keys/test/support/memory-usage-ledger.js';

/** A gateway's admin API on a loopback port, its ledger holding `records`, as `switchyard usage` reaches it. */
export interface UsageAdmin {
  /** `SWITCHYARD_URL` and `SWITCHYARD_MASTER_KEY` for the CLI. */
  env: Record<string, string>;
  /** An empty working folder (no config file found there). */
  cwd: string;
  close(): Promise<void>;
}

export async function startUsageAdmin(masterKey: string, records: UsageRecord[]): Promise<UsageAdmin> {
  const ledger = new MemoryUsageLedger();
  await ledger.append(records);
  const app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: { SWITCHYARD_URL: url, SWITCHYARD_MASTER_KEY: masterKey },
    cwd: await mkdtemp(path.join(tmpdir(), 'switchyard-usage-')),
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
}
