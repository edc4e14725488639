import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the tests find Postgres; CI sets DATABASE_URL or runs one with the default. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresTarget = { available: true; url: string } | { available: false; reason: string };

/**
 * Decides whether the Postgres tests run. On a laptop without Postgres they are
 * skipped and the reason is printed; in CI (`CI` set) an unreachable Postgres is an
 * error that fails the run, so the store can never go untested silently.
 */
export async function findPostgres(): Promise<PostgresTarget> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { available: true, url: databaseUrl };
  } catch (error) {
    const where = new URL(databaseUrl);
    const reason = `PostgreSQL unreachable at ${where.hostname}:${where.port || 5432}${where.pathname} (${(error as Error).message}); set DATABASE_URL to run these tests`;
    if (inCi()) throw new Error(`CI is set, so PostgreSQL is required: ${reason}`);
    console.warn(`[postgres] skipping tests: ${reason}`);
    return { available: false, reason };
  } finally {
    await client.end().catch(() => {});
  }
}

/** CI systems set CI=true; CI=false or CI=0 means a laptop. */
function inCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && !/^(0|false)$/i.test(value);
}

/** A schema name no other run uses. */
export function freshSchemaName(): string {
  return `switchyard_test_${randomBytes(6).toString('hex')}`;
}
