/** Numbered schema changes, applied in order once each; never edit one that shipped, add the next. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'keys',
    sql: `
      CREATE TABLE keys (
        id          TEXT NOT NULL PRIMARY KEY,
        name        TEXT NOT NULL,
        team        TEXT,
        project     TEXT,
        "user"      TEXT,
        tags        TEXT NOT NULL DEFAULT '[]',
        scope       TEXT NOT NULL DEFAULT '{}',
        disabled    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        revoked_at  TEXT
      );
      CREATE INDEX keys_order ON keys (created_at, id);
      CREATE INDEX keys_team ON keys (team, created_at, id);
      CREATE INDEX keys_project ON keys (project, created_at, id);

      CREATE TABLE key_secrets (
        hash        TEXT NOT NULL PRIMARY KEY,
        key_id      TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
        prefix      TEXT NOT NULL,
        expires_at  TEXT
      );
      CREATE INDEX key_secrets_key ON key_secrets (key_id);

      CREATE TABLE key_audit (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        key_id      TEXT NOT NULL,
        action      TEXT NOT NULL,
        actor       TEXT NOT NULL,
        at          TEXT NOT NULL,
        details     TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX key_audit_key ON key_audit (key_id, seq);
    `,
  },
  {
    version: 2,
    name: 'usage',
    sql: `
      CREATE TABLE usage (
        id                  TEXT NOT NULL PRIMARY KEY,
        at                  TEXT NOT NULL,
        at_ms               INTEGER NOT NULL,
        endpoint            TEXT NOT NULL,
        key_id              TEXT,
        team                TEXT,
        project             TEXT,
        requested_model     TEXT,
        provider            TEXT,
        model               TEXT,
        stream              INTEGER NOT NULL,
        input_tokens        INTEGER NOT NULL,
        output_tokens       INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        reasoning_tokens    INTEGER NOT NULL,
        cost_usd            REAL NOT NULL,
        latency_ms          INTEGER NOT NULL,
        status              INTEGER NOT NULL,
        error_code          TEXT,
        cache_hit           INTEGER NOT NULL,
        attempts            INTEGER NOT NULL
      );
      CREATE INDEX usage_at ON usage (at_ms);
      CREATE INDEX usage_key_at ON usage (key_id, at_ms);
    `,
  },
  {
    version: 3,
    name: 'budgets',
    sql: `
      CREATE TABLE budget_accounts (
        owner           TEXT NOT NULL,
        window_start    TEXT NOT NULL,
        spent_micros    INTEGER NOT NULL DEFAULT 0,
        reserved_micros INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (owner, window_start)
      ) WITHOUT ROWID;

      CREATE TABLE budget_reservations (
        id              TEXT NOT NULL PRIMARY KEY,
        amount_micros   INTEGER NOT NULL,
        created_at      TEXT NOT NULL
      );

      CREATE TABLE reservation_accounts (
        reservation_id  TEXT NOT NULL REFERENCES budget_reservations (id) ON DELETE CASCADE,
        owner           TEXT NOT NULL,
        window_start    TEXT NOT NULL,
        PRIMARY KEY (reservation_id, owner, window_start),
        FOREIGN KEY (owner, window_start) REFERENCES budget_accounts (owner, window_start)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'budget reservation leases',
    // Rows from before leases expire at once (0): they can only be orphans of an older gateway.
    sql: `
      ALTER TABLE budget_reservations ADD COLUMN holder TEXT NOT NULL DEFAULT '';
      ALTER TABLE budget_reservations ADD COLUMN expires_at_ms INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX budget_reservations_expiry ON budget_reservations (expires_at_ms);
      CREATE INDEX budget_reservations_holder ON budget_reservations (holder);
    `,
  },
  {
    version: 5,
    name: 'stored responses',
    // Times in epoch ms so expiry compares as integers; the payload is JSON text.
    sql: `
      CREATE TABLE responses (
        id            TEXT NOT NULL PRIMARY KEY,
        owner_key_id  TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        payload       TEXT NOT NULL
      );
      CREATE INDEX responses_expiry ON responses (expires_at_ms);
    `,
  },
  {
    version: 6,
    name: 'budget reservations carry their accounts',
    // A reserve and a settle each wrote five b-trees (the rowid table, its id index, two
    // lease indexes, the link table); now one. The accounts a reservation holds are a
    // JSON array of [owner, window_start] in its own row (read back only by settle and
    // the release of expired ones), and the row is keyed by its id (WITHOUT ROWID).
    // No lease indexes: the table holds only reservations in flight (and orphans until
    // the next sweep), so the periodic renew and sweep scan it, cheaper than keeping two
    // indexes up to date on every request (10,000 rows: renew 16 -> 3 ms, sweep 158 -> 98 ms).
    // Existing reservations keep their accounts; an orphan without any keeps an empty list.
    sql: `
      CREATE TABLE budget_reservations_v6 (
        id              TEXT NOT NULL PRIMARY KEY,
        amount_micros   INTEGER NOT NULL,
        created_at      TEXT NOT NULL,
        holder          TEXT NOT NULL DEFAULT '',
        expires_at_ms   INTEGER NOT NULL DEFAULT 0,
        accounts        TEXT NOT NULL DEFAULT '[]'
      ) WITHOUT ROWID;
      INSERT INTO budget_reservations_v6 (id, amount_micros, created_at, holder, expires_at_ms, accounts)
        SELECT r.id, r.amount_micros, r.created_at, r.holder, r.expires_at_ms,
          (SELECT json_group_array(json_array(a.owner, a.window_start)) FROM reservation_accounts a WHERE a.reservation_id = r.id)
        FROM budget_reservations r;
      DROP TABLE reservation_accounts;
      DROP TABLE budget_reservations;
      ALTER TABLE budget_reservations_v6 RENAME TO budget_reservations;
    `,
  },
  {
    version: 7,
    name: 'usage rows unique by time and request id',
    // An insert kept four b-trees up to date: the rowid table, the unique index on the random
    // request id (a random leaf page per record, so the page cache missed and each commit wrote
    // one more page to the WAL per record as the table grew), the time index and the key index.
    // One unique index on (at_ms, id) replaces the first two indexes: records arrive in time
    // order, so it grows at its end. Retry dedupe needs the pair: a record's time is fixed when
    // it is made, so a retried batch carries the same (at, id). It also serves the dashboard's
    // newest-first listing (ORDER BY at_ms DESC, id DESC) without a sort.
    // The rows are copied in one transaction (about 5 s per million rows, see the README);
    // the key index is built once they are in, faster than row by row.
    sql: `
      CREATE TABLE usage_v7 (
        id                  TEXT NOT NULL,
        at                  TEXT NOT NULL,
        at_ms               INTEGER NOT NULL,
        endpoint            TEXT NOT NULL,
        key_id              TEXT,
        team                TEXT,
        project             TEXT,
        requested_model     TEXT,
        provider            TEXT,
        model               TEXT,
        stream              INTEGER NOT NULL,
        input_tokens        INTEGER NOT NULL,
        output_tokens       INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        reasoning_tokens    INTEGER NOT NULL,
        cost_usd            REAL NOT NULL,
        latency_ms          INTEGER NOT NULL,
        status              INTEGER NOT NULL,
        error_code          TEXT,
        cache_hit           INTEGER NOT NULL,
        attempts            INTEGER NOT NULL,
        UNIQUE (at_ms, id)
      );
      INSERT INTO usage_v7 (
          id, at, at_ms, endpoint, key_id, team, project, requested_model, provider, model, stream,
          input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd, latency_ms, status,
          error_code, cache_hit, attempts)
        SELECT
          id, at, at_ms, endpoint, key_id, team, project, requested_model, provider, model, stream,
          input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd, latency_ms, status,
          error_code, cache_hit, attempts
        FROM usage ORDER BY at_ms, id;
      DROP TABLE usage;
      ALTER TABLE usage_v7 RENAME TO usage;
      CREATE INDEX usage_key_at ON usage (key_id, at_ms);
    `,
  },
  {
    version: 8,
    name: 'budget payments applied once',
    // The ids of the payments (settlePart) each open reservation took, so a payment sent
    // again after its outcome was lost (its worker died after the commit) counts once.
    // Rows live as long as their reservation: settling or releasing it deletes them.
    sql: `
      CREATE TABLE budget_payments (
        reservation_id  TEXT NOT NULL,
        payment_id      TEXT NOT NULL,
        PRIMARY KEY (reservation_id, payment_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'expired budget reservations remembered',
    // A reservation the sweep released stays, holding nothing, with the time of its release,
    // so a late settle by a holder that was only cut off still counts as spend; the sweep
    // deletes it a day later (until 10). Open ones (released_at_ms NULL) are the only ones that expire.
    // Still no index (see 6): only expired reservations are kept, a few unless gateways crash.
    sql: `
      ALTER TABLE budget_reservations ADD COLUMN released_at_ms INTEGER;
    `,
  },
  {
    version: 10,
    name: 'released budget reservations kept until settled',
    // A released reservation is no longer deleted a day later (a settle after that was lost):
    // it stays until settled, and past a count the sweep forgets the oldest released. The sweep
    // counts them and finds the oldest by this index, which holds released ones only.
    sql: `
      CREATE INDEX budget_reservations_released ON budget_reservations (released_at_ms) WHERE released_at_ms IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'usage estimated',
    // 1 where the record's counts hold the gateway's estimate (a cut stream, a prompt the
    // upstream had when the client left before any answer); records from before are 0.
    sql: `
      ALTER TABLE usage ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
