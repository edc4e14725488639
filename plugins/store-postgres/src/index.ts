import pg from 'pg';
import { defineStorage, describeStoreError, GatewayError, guardStore, percentEncodeProblem, StoreHealth, throttled, unencodedInUserinfo, type StorageContext, type StorageSet, type ValidationProblem } from '@switchyard/core';
import { boundedLookupSocket } from './bounded-lookup-socket.js';
import { dropUnlessClosed } from './drop-unless-closed.js';
import { isPostgresChangedUnderTheGateway, isPostgresOutage } from './is-postgres-outage.js';
import { runMigrations } from './migrations.js';
import { PostgresBudgetStore } from './postgres-budget-store.js';
import { keyChangeChannelName, PostgresKeyChangeChannel } from './postgres-key-change-channel.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { postgresOptionsSchema, type PostgresStorageOptions } from './postgres-options.js';
import { PostgresResponseStore } from './postgres-response-store.js';
import { PostgresUsageLedger } from './postgres-usage-ledger.js';
import { tablesIn } from './sql.js';

/**
 * Opens the four stores (keys, ledger, budgets, stored responses) on one connection pool. Nothing connects until the first
 * query (normally `migrate()`); closing any of the stores ends the shared pool.
 * Every call is bounded (connect, query and statement timeouts) and an outage
 * becomes a 503 `store_unavailable` at the stores' boundary; a connection that
 * breaks, idle or in use, is logged (throttled) and replaced, never a crash.
 */
export function createPostgresStorage(options: PostgresStorageOptions, context: StorageContext): StorageSet {
  // The pool's connections and the listening one resolve the host one lookup at a time, bounded.
  const stream = boundedLookupSocket(options.connect_timeout_ms);
  const pool = new pg.Pool({
    connectionString: options.url,
    stream,
    max: options.pool_size,
    statement_timeout: options.statement_timeout_ms,
    query_timeout: options.query_timeout_ms,
    // The gateway sends a transaction's statements back to back and gives up on any answer
    // after query_timeout_ms: a transaction idle for longer has a gateway gone silent (a
    // partition, a frozen or dead host), whose locks the server held until TCP told it, hours later.
    idle_in_transaction_session_timeout: options.query_timeout_ms,
    // pg-pool uses one setting for opening a connection and for waiting for a free one: opening
    // gets connect_timeout_ms (below); waiting may last as long as a call in progress can.
    connectionTimeoutMillis: options.connect_timeout_ms + options.query_timeout_ms,
    Client: clientWithConnectTimeout(options.connect_timeout_ms),
    idleTimeoutMillis: options.idle_timeout_ms,
    keepAlive: options.keep_alive_ms > 0,
    keepAliveInitialDelayMillis: options.keep_alive_ms,
    application_name: 'switchyard',
  });
  const health = new StoreHealth({ backend: 'postgres', logger: context.logger });
  // The message never includes the connection string; logged at most once a minute.
  const warnLost = throttled(60_000, (error: Error, lost: number) =>
    context.logger.warn({ err: describeStoreError(error), lost }, 'postgres connections lost; they will be replaced'),
  );
  let lost = 0;
  const onConnectionError = (error: Error) => {
    lost++;
    warnLost(error, lost);
  };
  // An idle connection that dies (server restart, network) is reported here; the pool replaces it.
  pool.on('error', onConnectionError);
  // pg-pool takes its own listener off a client while it is checked out: without this one, a
  // connection reset between two queries of a transaction is an unhandled 'error' that ends the process.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  // Every connection the pool opened whose server has not seen it off, for close() to bound.
  const opened = new Set<pg.Client>();
  pool.on('connect', (client) => opened.add(client));
  pool.on('remove', (client) => opened.delete(client));

  const tables = tablesIn(options.schema);
  let migrating: Promise<void> | undefined;
  /** Once the schema is made, a table, schema or right gone is an outage, not the database refusing at start. */
  let migrated = false;
  const isOutage = (error: unknown) => isPostgresOutage(error) || (migrated && isPostgresChangedUnderTheGateway(error));
  const migrateOnce = () => {
    migrating ??= runMigrations(pool, tables, options.schema).then(
      (applied) => {
        migrated = true;
        if (applied.length > 0) context.logger.info({ schema: options.schema, applied }, 'postgres schema migrated');
      },
      (error: unknown) => {
        migrating = undefined; // let a later call try again
        // Said as an outage (`could not start: the storage cannot be reached: …`), the database's
        // refusals (42501 …) as they are; not counted in /health: no request made this call.
        if (!isOutage(error)) throw error;
        throw new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.', {
          retryAfterSeconds: options.retry_after_seconds,
          cause: error,
        });
      },
    );
    return migrating;
  };
  // Key changes are announced in their own transaction; one dedicated connection listens, once subscribed.
  const changeChannel = keyChangeChannelName(options.schema);
  const keyChanges = new PostgresKeyChangeChannel({
    channel: changeChannel,
    logger: context.logger,
    // Seeing the connection off is bounded like opening it: a silent server would hold close() for ever.
    closeTimeoutMs: options.connect_timeout_ms,
    check: { intervalMs: options.listen_check_interval_ms, timeoutMs: options.query_timeout_ms },
    connect: () =>
      new pg.Client({
        connectionString: options.url,
        stream,
        connectionTimeoutMillis: options.connect_timeout_ms,
        query_timeout: options.query_timeout_ms,
        // A listening connection is idle by nature: keep-alive is how a dead peer gets noticed.
        keepAlive: true,
        keepAliveInitialDelayMillis: options.keep_alive_ms > 0 ? options.keep_alive_ms : 10_000,
        application_name: 'switchyard-listen',
      }),
  });
  let closing: Promise<void> | undefined;
  // pool.end() ends each connection but waits for no server: one that stays silent is dropped after connect_timeout_ms.
  const closePool = () =>
    (closing ??= keyChanges
      .close()
      .then(() => pool.end())
      .then(async () => void (await Promise.all([...opened].map((client) => dropUnlessClosed(client, options.connect_timeout_ms))))));

  // While the database is down, /health itself checks (one probe at a time) whether it is back.
  let probing = false;
  const probe = () => {
    if (probing || closing) return;
    probing = true;
    const begun = health.begin();
    // The ledger's table, not just the server: one dropped or out of the role's rights is still down.
    void pool
      .query(migrated ? `SELECT 1 FROM ${tables.usage} LIMIT 0` : 'SELECT 1')
      .then(
        () => health.succeeded(begun),
        (error: unknown) => (isOutage(error) ? health.failed(error, begun) : undefined),
      )
      .finally(() => (probing = false));
  };

  const boundary = { health, isOutage, retryAfterSeconds: options.retry_after_seconds };
  const budgets = new PostgresBudgetStore(pool, tables, context.logger, migrateOnce, closePool);
  // A reservation left uncertain is released while the database answers as an outage would, a failover's standby included.
  budgets.uncertain.isOutage = isOutage;
  return {
    keys: guardStore(new PostgresKeyStore(pool, tables, migrateOnce, closePool, changeChannel), boundary),
    ledger: guardStore(new PostgresUsageLedger(pool, tables, migrateOnce, closePool), boundary),
    budgets: guardStore(budgets, boundary),
    responses: guardStore(new PostgresResponseStore(pool, tables, migrateOnce, closePool, options.max_stored_response_bytes), boundary),
    keyChanges,
    health() {
      if (health.failing) probe();
      const { uncertain } = budgets;
      // Shown only while there is something to show: reservations an outage left to release.
      if (uncertain.size === 0 && uncertain.dropped === 0) return health.section();
      return { ...health.section(), uncertain_reservations: { pending: uncertain.size, dropped: uncertain.dropped } };
    },
    // No probe: a budgeted request's own reservation is the next call, and its success ends the outage.
    answers: () => !health.failing,
  };
}

/**
 * A pg Client that gives up opening its connection (TCP and login) after `timeoutMs`, and then
 * says where and after how long: pg's own words are only `timeout expired`, the line
 * `switchyard start` printed for a database host that never answered. (Kept as the message's
 * start: it is how the outage is told apart.)
 */
function clientWithConnectTimeout(timeoutMs: number): typeof pg.Client {
  const sayWhere = (error: Error, client: pg.Client): Error => {
    if (error?.message === 'timeout expired') error.message = `timeout expired: no connection to ${client.host}:${client.port} within ${timeoutMs} ms (connect_timeout_ms)`;
    return error;
  };
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: timeoutMs });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error) => void): void;
    override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
      if (!callback) {
        return super.connect().catch((error: Error) => {
          throw sayWhere(error, this);
        });
      }
      super.connect((error: Error) => callback(error && sayWhere(error, this)));
    }
  };
}

/**
 * pg reads the connection string only when the first connection opens, and a string it cannot
 * read (a port past 65535, an unclosed `[`) was a TypeError stack trace from inside pg-pool at
 * start, after `switchyard validate` had passed it. A Client is built here only to parse it: it
 * opens nothing. The string is never quoted: it holds the password.
 */
function checkConnectionString(options: PostgresStorageOptions): ValidationProblem[] {
  // A '/', '?' or '#' in the password either fails below or, after digits (`app:1234/x@db`), parses with
  // the user name as the host.
  // pg reads any scheme as its own and a bare word as a database on the host "base": a Redis URL, or a
  // password pasted where the URL goes, passed validate and failed at start as an outage.
  if (!/^(?:postgres(?:ql)?:\/\/|socket:|\/)/i.test(options.url)) {
    return [{ path: '/url', message: 'is not a PostgreSQL URL: it starts postgres:// or postgresql:// (postgres://user:password@host:5432/database)' }];
  }
  const unencoded = unencodedInUserinfo(options.url);
  if (unencoded) return [{ path: '/url', message: percentEncodeProblem(unencoded) }];
  try {
    new pg.Client({ connectionString: options.url });
    return [];
  } catch (error) {
    // pg reads the TLS files the string names as it parses it: a missing one is not a string pg cannot read.
    const { code, path } = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && code.startsWith('E') && path !== undefined) {
      return [{ path: '/url', message: `names an sslcert, sslkey or sslrootcert file that cannot be read (${code}): ${path}` }];
    }
    return [{ path: '/url', message: 'is not a connection string PostgreSQL can read (postgres://user:password@host:5432/database)' }];
  }
}

/** PostgreSQL storage: keys, the usage ledger, budgets and stored responses shared by every gateway instance. */
const postgres = defineStorage<PostgresStorageOptions>({
  name: 'postgres',
  optionsSchema: postgresOptionsSchema,
  create: createPostgresStorage,
  checkOptions: checkConnectionString,
});

export default postgres;
export { postgres, postgresOptionsSchema, type PostgresStorageOptions };
export { isPostgresChangedUnderTheGateway, isPostgresOutage } from './is-postgres-outage.js';
export { migrations, runMigrations, type Migration } from './migrations.js';
export { PostgresKeyStore, newKeyId } from './postgres-key-store.js';
export { PostgresKeyChangeChannel, keyChangeChannelName, type PostgresKeyChangeChannelOptions } from './postgres-key-change-channel.js';
export { PostgresUsageLedger } from './postgres-usage-ledger.js';
export { PostgresResponseStore } from './postgres-response-store.js';
export { PostgresBudgetStore, toMicros, fromMicros } from './postgres-budget-store.js';
