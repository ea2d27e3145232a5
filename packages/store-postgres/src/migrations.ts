/**
 * @module migrations
 * The PostgreSQL schema as ordered data. A migration's `name` is its identity: once released it is
 * never edited or reordered, only followed by new ones. `weft_migrations` records the names
 * applied; a name this build does not know means a newer Weft wrote the database.
 *
 * The layout follows the SQLite store's lean one in a form natural to PostgreSQL:
 * - JSON is `text`, not `jsonb`: jsonb refuses `\u0000` and reorders keys, and values must read
 *   back byte for byte. NULL = the field is absent, `'null'` = JSON null.
 * - Times are ISO 8601 text as the engine wrote them (compared as text), except due times (epoch
 *   ms, `bigint`). Text that is sorted or compared is `COLLATE "C"`: byte order, as in SQLite.
 * - A commit's events of one run are one row of `run_event_batches`.
 * - An output a `node.succeeded` or `run.succeeded` event carries is stored once, in
 *   `run_outputs` under the event's seq, when the node (run) row written with it holds the same
 *   value: the event and the row name it by seq (`output_seq`). Those rows are never updated, so
 *   nothing has to move when a retry resets the node.
 * - Runs are rows a later step can give an owner and a fencing token (workers claiming runs).
 */

/** One schema step: statements run in order, in one transaction with all other pending steps. */
export interface Migration {
  readonly name: string;
  readonly up: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: '0001_initial',
    up: [
      // Deleted versions are kept as tombstones (deleted_at set) so that version numbers are never
      // reused: a kept run's (workflow_id, version) can never come to name another definition.
      `CREATE TABLE workflows (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        name text,
        definition text NOT NULL,
        source text NOT NULL,
        hash text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        deleted_at text,
        PRIMARY KEY (tenant, id, version)
      )`,

      // The input lives in the row: PostgreSQL keeps a large value out of line (TOAST) and an
      // update that does not assign it copies only the pointer.
      `CREATE TABLE runs (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        workflow_id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        status text COLLATE "C" NOT NULL,
        input text,
        output text,
        output_seq integer,
        error text,
        created_at text COLLATE "C" NOT NULL,
        started_at text,
        finished_at text COLLATE "C",
        parent_run_id text COLLATE "C",
        parent_path text,
        priority integer NOT NULL,
        idempotency_key text COLLATE "C",
        seq integer NOT NULL,
        state text
      )`,
      // Each index ends in (created_at, id) so that listing pages and status scans need no sort.
      `CREATE INDEX runs_created ON runs (created_at, id)`,
      `CREATE INDEX runs_status ON runs (status, created_at, id)`,
      `CREATE INDEX runs_workflow ON runs (workflow_id, created_at, id)`,
      `CREATE INDEX runs_tenant_created ON runs (tenant, created_at, id)`,
      // The guard against two concurrent starts with the same key: the second commit fails.
      `CREATE UNIQUE INDEX runs_idempotency ON runs (tenant, workflow_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
      // Deleting a run deletes its child runs: found by parent without scanning every run.
      `CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL`,

      // Written once per event that carries it, deleted only with the run.
      `CREATE TABLE run_outputs (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        output text,
        PRIMARY KEY (run_id, seq)
      )`,

      `CREATE TABLE run_nodes (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        path text COLLATE "C" NOT NULL,
        node_id text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        output text,
        output_seq integer,
        error text,
        started_at text,
        finished_at text,
        state text,
        PRIMARY KEY (run_id, path)
      )`,

      // events: a JSON array of entries [type, at, node, data, ref], the first at first_seq and
      // each next one at the next seq. node is null when absent; data and ref are left out when
      // absent; at is 0 when it is the first entry's. ref n: data.output is run_outputs' seq n.
      `CREATE TABLE run_event_batches (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        first_seq integer NOT NULL,
        last_seq integer NOT NULL,
        events text NOT NULL,
        PRIMARY KEY (run_id, first_seq)
      )`,

      `CREATE TABLE timers (
        id text COLLATE "C" PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        due_at bigint NOT NULL,
        kind text NOT NULL,
        path text,
        data text
      )`,
      `CREATE INDEX timers_due ON timers (due_at, id)`,
      // Without it, deleting a run would scan every timer to cascade.
      `CREATE INDEX timers_run ON timers (run_id)`,

      // The value is the caller's ciphertext, as UTF-8 bytes: text columns refuse U+0000, and the
      // store keeps whatever text it is given. The type is in clear so that lists can show it.
      `CREATE TABLE credentials (
        tenant text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        type text NOT NULL,
        ciphertext bytea NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        PRIMARY KEY (tenant, name)
      )`,

      // Only the SHA-256 of a key is kept; requests look keys up by that digest.
      `CREATE TABLE api_keys (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at text COLLATE "C" NOT NULL
      )`,
      `CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at, id)`,

      // One row per cron trigger of a live workflow; a fire is a compare-and-set on next_due.
      `CREATE TABLE schedules (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        workflow_id text COLLATE "C" NOT NULL,
        trigger_index integer NOT NULL,
        schedule text NOT NULL,
        timezone text,
        input text,
        next_due bigint NOT NULL,
        enabled boolean NOT NULL,
        UNIQUE (tenant, workflow_id, trigger_index)
      )`,
      `CREATE INDEX schedules_due ON schedules (next_due, id) WHERE enabled`,

      `CREATE TABLE webhook_deliveries (
        tenant text COLLATE "C" NOT NULL,
        path text COLLATE "C" NOT NULL,
        delivery_id text COLLATE "C" NOT NULL,
        run_id text COLLATE "C" NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (tenant, path, delivery_id)
      )`,
      `CREATE INDEX webhook_deliveries_run ON webhook_deliveries (run_id)`,

      `CREATE TABLE weft_meta (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL
      )`,
    ],
  },
];
