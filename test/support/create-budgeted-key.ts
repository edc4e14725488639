import { expect } from 'vitest';
import { masterKey } from './start-test-gateway.js';

/** Creates a virtual key with a total budget of `limitUsd` through the admin API, and returns its id and secret. */
export async function createBudgetedKey(gateway: { origin: string }, limitUsd: number, name = 'budgeted'): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scope: { budget: { limit_usd: limitUsd, period: 'total' } } }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { key: { id: string }; secret: string };
  return { id: body.key.id, secret: body.secret };
}
