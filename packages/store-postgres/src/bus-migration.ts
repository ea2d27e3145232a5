/**
 * @module bus-migration
 * Migration 0007: bus messages too large for NOTIFY's payload (an answer forwarded to the worker
 * holding its run, say) are stored in a table, and NOTIFY carries their row's id. A row is read by
 * every listener within moments; rows older than five minutes are deleted by later such publishes.
 */
import type { Migration } from '@weft/core/store-kit';

export const BUS_MIGRATION: Migration = {
  name: '0007_bus_messages',
  up: [
    `CREATE TABLE bus_messages (
      id bigserial PRIMARY KEY,
      body text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE FUNCTION weft_bus_store(message text) RETURNS void LANGUAGE plpgsql AS $body$
    DECLARE
      n bigint;
    BEGIN
      DELETE FROM bus_messages WHERE at < now() - interval '5 minutes';
      INSERT INTO bus_messages (body) VALUES (message) RETURNING id INTO n;
      PERFORM pg_notify(weft_bus_channel(), '{"kind":"stored","id":' || n || '}');
    END
    $body$`,
  ],
};
