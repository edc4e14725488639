import pg from 'pg';
import { expect } from 'vitest';
import { masterKey } from './start-test-gateway.js';

/**
 * The calls the storage-fault tests make of a gateway whose database someone changes under it
 * (SQLite and PostgreSQL alike): a key made through the admin API, a chat as that key, `/health`,
 * and the answer every such fault must give.
 */

/** A new virtual key's secret (the admin API with the master key). */
export async function createKey(origin: string, name = 'store-faults'): Promise<string> {
  const response = await fetch(`${origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

/** One small chat to the mock provider as `key`: what a fault must answer (or serve) for. */
export function chat(origin: string, key: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'count me' }] }),
  });
}

export interface Health {
  status: string;
  checks: { storage: { healthy: boolean; last_error?: string }; usage: { pending: number; refused: number; written: number; failed_writes: number } };
}

export async function health(origin: string): Promise<Health> {
  return (await (await fetch(`${origin}/health`)).json()) as Health;
}

/** 503 `store_unavailable`, with `retryAfter` (seconds) when given. */
export async function expectStoreUnavailable(response: Response, retryAfter?: string): Promise<void> {
  expect(response.status).toBe(503);
  if (retryAfter !== undefined) expect(response.headers.get('retry-after')).toBe(retryAfter);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
}

/** `work` on a connection of its own to the PostgreSQL at `url` (as its owner), closed after. */
export async function asAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
