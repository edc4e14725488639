import { expect } from 'vitest';
import { masterKey, type TestGateway } from './start-test-gateway.js';

/** The ledger's row for a request, through the admin API, once the usage batch holding it was written. */
export async function ledgerRow(gateway: TestGateway, id: string, keyId: string): Promise<Record<string, unknown>> {
  const from = new Date(0).toISOString();
  let row: Record<string, unknown> | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${gateway.origin}/admin/requests?key_id=${keyId}&from=${from}`, { headers: { authorization: `Bearer ${masterKey}` } });
      const page = (await response.json()) as { data: Array<Record<string, unknown>> };
      row = page.data.find((candidate) => candidate.id === id);
      return row !== undefined;
    })
    .toBe(true);
  return row!;
}
