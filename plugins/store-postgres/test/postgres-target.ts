import { createLogger, type StorageSet } from '@switchyard/core';
import pg from 'pg';
import postgres from '../src/index.js';

export { databaseUrl, findPostgres, freshSchemaName, type PostgresTarget } from '@switchyard/testing';

export const silentLogger = createLogger({ level: 'silent' });

/** Opens the storage plugin the way the gateway does: options through the factory's validation. */
export function openStorage(url: string, schema: string, extra: Record<string, unknown> = {}): Promise<StorageSet> {
  return postgres({ url, schema, ...extra }).open({ dataDir: '/nonexistent', logger: silentLogger });
}

export async function dropSchemas(url: string, schemas: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
