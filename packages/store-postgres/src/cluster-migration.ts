/**
 * @module cluster-migration
 * Migration 0003: what many workers on one database need (see `claims.ts`, `bus.ts`).
 * - A run row carries its holder (`claim_owner`, a worker id; NULL: no one) and a fencing token
 *   (`claim_token`) raised by each claim.
 * - `workers` holds one lease row per worker, its end on the database's clock.
 * - `weft_commit` is made again with the claims of the writes: it locks the claimed runs and
 *   refuses the whole commit when a token moved on, and announces the commit on the bus.
 */
import type { Migration } from '@weft/core/store-kit';

/** The SQLSTATE `weft_commit` raises when a claimed run's token is no longer the writer's. */
export const CLAIM_LOST_STATE = 'WF002';

export const CLUSTER_MIGRATION: Migration = {
  name: '0003_cluster',
  up: [
    // A constant default: PostgreSQL adds both columns without rewriting the table.
    `ALTER TABLE runs ADD COLUMN claim_owner text COLLATE "C",
      ADD COLUMN claim_token bigint NOT NULL DEFAULT 0`,
    `CREATE TABLE workers (
      id text COLLATE "C" PRIMARY KEY,
      version text NOT NULL,
      where_ text NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
    // What a claim reads: the held runs (few: those in flight), to find the ones whose holder is
    // gone, and the queue of runs nobody holds, in the order they are claimed.
    `CREATE INDEX runs_held ON runs (claim_owner) WHERE claim_owner IS NOT NULL`,
    `CREATE INDEX runs_claimable ON runs (priority DESC, created_at, id)
      WHERE status = 'queued' AND claim_owner IS NULL`,

    // Per schema, so that Weft databases in other schemas of the server do not hear each other.
    `CREATE FUNCTION weft_bus_channel() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT 'weft_' || left(md5(current_schema()), 16) $$`,

    // The bus's 'runs' messages for the runs a commit wrote, as many as the payload limit needs,
    // and one 'wake' when one of them is queued and held by no one. Sent with the commit, never
    // without it. Keep the limit in step with MAX_NOTIFY_BYTES in bus.ts.
    `CREATE FUNCTION weft_publish_runs(ids text[]) RETURNS void LANGUAGE plpgsql AS $body$
    DECLARE
      channel text := weft_bus_channel();
      head constant text := '{"kind":"runs","runs":[';
      entries text := '';
      entry text;
      wake boolean := false;
      r record;
    BEGIN
      FOR r IN SELECT id, seq, claim_owner IS NOT NULL AS held,
          status = 'queued' AND claim_owner IS NULL AS idle
        FROM runs WHERE id = ANY(ids) LOOP
        entry := json_build_array(r.id, r.seq, r.held)::text;
        IF entries <> '' AND octet_length(head) + octet_length(entries) + octet_length(entry) + 3 > 7900 THEN
          PERFORM pg_notify(channel, head || entries || ']}');
          entries := '';
        END IF;
        entries := CASE WHEN entries = '' THEN entry ELSE entries || ',' || entry END;
        wake := wake OR r.idle;
      END LOOP;
      IF entries <> '' THEN
        PERFORM pg_notify(channel, head || entries || ']}');
      END IF;
      IF wake THEN
        PERFORM pg_notify(channel, '{"kind":"wake"}');
      END IF;
    END
    $body$`,

    // As in 0001_initial, with the claims (c_*: run id, holder after the commit or NULL when the
    // writer lets go, token) last. Writes without a claim take the very same path as before, and
    // their runs keep their holder.
    `DROP FUNCTION weft_commit`,
    `CREATE FUNCTION weft_commit(
      d_id text[], d_prev int[], d_m int[], d_status text[], d_output text[],
      d_output_seq int[], d_error text[], d_started text[], d_finished text[], d_priority int[],
      d_seq int[], d_state text[], d_input text[],
      w_id text[], w_tenant text[], w_workflow text[], w_version int[], w_status text[],
      w_input text[], w_output text[], w_output_seq int[], w_error text[], w_created text[],
      w_started text[], w_finished text[], w_parent text[], w_parent_path text[],
      w_priority int[], w_key bytea[], w_seq int[], w_state text[], w_keep_input bool[],
      o_run text[], o_seq int[], o_output text[],
      rn_run text[], rn_path text[],
      n_run text[], n_path text[], n_node text[], n_status text[], n_attempts int[],
      n_output text[], n_output_seq int[], n_error text[], n_started text[], n_finished text[],
      n_state text[],
      b_run text[], b_first int[], b_last int[], b_events text[],
      rt_id text[],
      t_id text[], t_run text[], t_due bigint[], t_kind text[], t_path text[], t_data text[],
      c_run text[], c_owner text[], c_token bigint[]
    ) RETURNS void LANGUAGE plpgsql AS $body$
    DECLARE
      stale text[];
      clash text;
      lost text[];
    BEGIN
      -- Fencing first. The claimed runs are locked in id order (two commits never wait on each
      -- other crosswise); their tokens are read by the next statement, whose snapshot is taken
      -- after the locks: a claim that raised a token while this commit waited is seen. (Compared
      -- in the locking statement, the comparison would be pushed below the lock and made on the
      -- rows as they were before the wait.) Runs not stored yet are new.
      IF cardinality(c_run) > 0 THEN
        PERFORM 1 FROM runs WHERE id = ANY(c_run) ORDER BY id FOR UPDATE;
        SELECT array_agg(r.id) INTO lost
        FROM runs r JOIN unnest(c_run, c_token) AS c(run, token) ON r.id = c.run
        WHERE r.claim_token <> c.token;
        IF lost IS NOT NULL THEN
          RAISE EXCEPTION 'runs held by another worker now'
            USING ERRCODE = '${CLAIM_LOST_STATE}', DETAIL = to_json(lost)::text;
        END IF;
      END IF;
      -- Run rows written from previous: only the columns whose bit is set in m (m = 0: only the
      -- holder changes).
      IF cardinality(d_id) > 0 THEN
        WITH u AS (
          UPDATE runs AS r SET
            status = CASE WHEN w.m & 1 = 0 THEN r.status ELSE w.status END,
            output = CASE WHEN w.m & 2 = 0 THEN r.output ELSE w.output END,
            output_seq = CASE WHEN w.m & 2 = 0 THEN r.output_seq ELSE w.output_seq END,
            error = CASE WHEN w.m & 4 = 0 THEN r.error ELSE w.error END,
            started_at = CASE WHEN w.m & 8 = 0 THEN r.started_at ELSE w.started_at END,
            finished_at = CASE WHEN w.m & 16 = 0 THEN r.finished_at ELSE w.finished_at END,
            priority = CASE WHEN w.m & 32 = 0 THEN r.priority ELSE w.priority END,
            seq = CASE WHEN w.m & 64 = 0 THEN r.seq ELSE w.seq END,
            state = CASE WHEN w.m & 128 = 0 THEN r.state ELSE w.state END,
            input = CASE WHEN w.m & 256 = 0 THEN r.input ELSE w.input END,
            claim_owner = CASE WHEN c.run IS NULL THEN r.claim_owner ELSE c.owner END
          FROM unnest(d_id, d_prev, d_m, d_status, d_output, d_output_seq, d_error, d_started,
              d_finished, d_priority, d_seq, d_state, d_input)
            AS w(id, prev_seq, m, status, output, output_seq, error, started_at, finished_at,
              priority, seq, state, input)
            LEFT JOIN unnest(c_run, c_owner) AS c(run, owner) ON c.run = w.id
          WHERE r.id = w.id AND r.seq = w.prev_seq
          RETURNING r.id)
        SELECT array_agg(x) INTO stale FROM unnest(d_id) AS x
        WHERE x NOT IN (SELECT id FROM u);
        IF stale IS NOT NULL THEN
          RAISE EXCEPTION 'run rows not at the seq their writer read'
            USING ERRCODE = 'WF001', DETAIL = to_json(stale)::text;
        END IF;
      END IF;
      -- Run rows written whole: new runs (held as their claim says), or a field fixed at creation
      -- changed.
      IF cardinality(w_id) > 0 THEN
        INSERT INTO runs (id, tenant, workflow_id, version, status, input, output, output_seq,
            error, created_at, started_at, finished_at, parent_run_id, parent_path, priority,
            idempotency_key, seq, state, claim_owner, claim_token)
          SELECT w.id, w.tenant, w.workflow, w.version, w.status, w.input, w.output,
            w.output_seq, w.error, w.created, w.started, w.finished, w.parent, w.parent_path,
            w.priority, w.key, w.seq, w.state, c.owner, coalesce(c.token, 0)
          FROM unnest(w_id, w_tenant, w_workflow, w_version, w_status, w_input, w_output,
              w_output_seq, w_error, w_created, w_started, w_finished, w_parent, w_parent_path,
              w_priority, w_key, w_seq, w_state, w_keep_input)
            AS w(id, tenant, workflow, version, status, input, output, output_seq, error,
              created, started, finished, parent, parent_path, priority, key, seq, state,
              keep_input)
            LEFT JOIN unnest(c_run, c_owner, c_token) AS c(run, owner, token) ON c.run = w.id
          WHERE NOT w.keep_input
          ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant,
            workflow_id = excluded.workflow_id, version = excluded.version,
            status = excluded.status, input = excluded.input, output = excluded.output,
            output_seq = excluded.output_seq, error = excluded.error,
            created_at = excluded.created_at, started_at = excluded.started_at,
            finished_at = excluded.finished_at, parent_run_id = excluded.parent_run_id,
            parent_path = excluded.parent_path, priority = excluded.priority,
            idempotency_key = excluded.idempotency_key, seq = excluded.seq,
            state = excluded.state,
            claim_owner = CASE WHEN excluded.id = ANY(c_run) THEN excluded.claim_owner
              ELSE runs.claim_owner END;
        -- "inputUnchanged": the stored input stays, unread and unwritten.
        INSERT INTO runs (id, tenant, workflow_id, version, status, output, output_seq, error,
            created_at, started_at, finished_at, parent_run_id, parent_path, priority,
            idempotency_key, seq, state, claim_owner, claim_token)
          SELECT w.id, w.tenant, w.workflow, w.version, w.status, w.output, w.output_seq,
            w.error, w.created, w.started, w.finished, w.parent, w.parent_path, w.priority,
            w.key, w.seq, w.state, c.owner, coalesce(c.token, 0)
          FROM unnest(w_id, w_tenant, w_workflow, w_version, w_status, w_output, w_output_seq,
              w_error, w_created, w_started, w_finished, w_parent, w_parent_path, w_priority,
              w_key, w_seq, w_state, w_keep_input)
            AS w(id, tenant, workflow, version, status, output, output_seq, error, created,
              started, finished, parent, parent_path, priority, key, seq, state, keep_input)
            LEFT JOIN unnest(c_run, c_owner, c_token) AS c(run, owner, token) ON c.run = w.id
          WHERE w.keep_input
          ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant,
            workflow_id = excluded.workflow_id, version = excluded.version,
            status = excluded.status, output = excluded.output,
            output_seq = excluded.output_seq, error = excluded.error,
            created_at = excluded.created_at, started_at = excluded.started_at,
            finished_at = excluded.finished_at, parent_run_id = excluded.parent_run_id,
            parent_path = excluded.parent_path, priority = excluded.priority,
            idempotency_key = excluded.idempotency_key, seq = excluded.seq,
            state = excluded.state,
            claim_owner = CASE WHEN excluded.id = ANY(c_run) THEN excluded.claim_owner
              ELSE runs.claim_owner END;
      END IF;
      IF cardinality(o_run) > 0 THEN
        INSERT INTO run_outputs (run_id, seq, output) SELECT * FROM unnest(o_run, o_seq, o_output);
      END IF;
      IF cardinality(rn_run) > 0 THEN
        DELETE FROM run_nodes n USING unnest(rn_run, rn_path) AS d(run_id, path)
        WHERE n.run_id = d.run_id AND n.path = d.path;
      END IF;
      IF cardinality(n_run) > 0 THEN
        INSERT INTO run_nodes (run_id, path, node_id, status, attempts, output, output_seq, error,
            started_at, finished_at, state)
          SELECT * FROM unnest(n_run, n_path, n_node, n_status, n_attempts, n_output,
            n_output_seq, n_error, n_started, n_finished, n_state)
          ON CONFLICT (run_id, path) DO UPDATE SET node_id = excluded.node_id,
            status = excluded.status, attempts = excluded.attempts, output = excluded.output,
            output_seq = excluded.output_seq, error = excluded.error,
            started_at = excluded.started_at, finished_at = excluded.finished_at,
            state = excluded.state;
      END IF;
      -- Only the row starting last at or before a new row's last seq can overlap it: one index
      -- seek per new row, however long the log.
      IF cardinality(b_run) > 0 THEN
        SELECT c.run_id INTO clash FROM unnest(b_run, b_first, b_last) AS c(run_id, first_seq, last_seq)
        WHERE (SELECT e.last_seq FROM run_event_batches e
               WHERE e.run_id = c.run_id AND e.first_seq <= c.last_seq
               ORDER BY e.first_seq DESC LIMIT 1) >= c.first_seq
        LIMIT 1;
        IF clash IS NOT NULL THEN
          RAISE EXCEPTION 'run % already has an event with a seq this commit writes', clash
            USING ERRCODE = 'unique_violation';
        END IF;
        INSERT INTO run_event_batches (run_id, first_seq, last_seq, events)
          SELECT * FROM unnest(b_run, b_first, b_last, b_events);
      END IF;
      IF cardinality(rt_id) > 0 THEN
        DELETE FROM timers WHERE id = ANY(rt_id);
      END IF;
      IF cardinality(t_id) > 0 THEN
        INSERT INTO timers (id, run_id, due_at, kind, path, data)
          SELECT * FROM unnest(t_id, t_run, t_due, t_kind, t_path, t_data);
      END IF;
      -- Only commits of workers are announced: NOTIFY serialises the committing transactions of
      -- the whole database, a price one process alone must not pay.
      IF cardinality(c_run) > 0 THEN
        PERFORM weft_publish_runs(ARRAY(SELECT DISTINCT x FROM unnest(d_id || w_id || c_run) AS x));
      END IF;
    END
    $body$`,
  ],
};
