import { afterAll, describe } from 'vitest';
import { testBudgetStore, testKeyStore, testResponseStore, testUsageLedger } from '@switchyard/testing';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();

/**
 * The store conformance suites every storage plugin passes, against Postgres. Each
 * test opens its own storage (its own pool, as a separate gateway process would),
 * all in one fresh schema that is dropped afterwards.
 */
describe.skipIf(!target.available)('postgres storage conformance', () => {
  const url = target.available ? target.url : '';
  const schema = freshSchemaName();

  afterAll(async () => {
    await dropSchemas(url, [schema]);
  });

  testKeyStore('postgres', async () => (await openStorage(url, schema, { pool_size: 4 })).keys);
  testUsageLedger('postgres', async () => (await openStorage(url, schema, { pool_size: 4 })).ledger);
  testBudgetStore('postgres', async () => (await openStorage(url, schema, { pool_size: 10 })).budgets);
  testResponseStore('postgres', async () => (await openStorage(url, schema, { pool_size: 4, max_stored_response_bytes: 4096 })).responses!, {
    maxPayloadBytes: 4096,
  });
});
