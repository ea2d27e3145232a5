/**
 * @module cli/keys-command
 * `weft keys create --tenant T [--db PATH | --postgres URL]`: creates an API key and prints it once
 * on stdout (only its SHA-256 is stored). Also `weft keys list --tenant T` and
 * `weft keys revoke ID --tenant T`.
 *
 * The database is opened without claiming it, so keys can be made while `weft serve` runs on it;
 * the server reads stored keys at each request, so a new key works at once.
 */
import { openPostgresStore } from '@weft/store-postgres';
import { openSqliteStore } from '@weft/store-sqlite';
import { systemClock, WeftError } from '@weft/core';
import { ApiKeys } from '@weft/engine';
import { CliError, EXIT } from './exit-codes.js';

export interface KeysArgs {
  /** @default 'create' */
  action?: 'create' | 'list' | 'revoke';
  tenant: string | undefined;
  db: string;
  /** A PostgreSQL URL, already checked (see `postgresFrom`): used instead of `db`. */
  postgres?: string;
  /** The key id, for `revoke`. */
  id?: string;
  json?: boolean;
}

export async function keysCommand(args: KeysArgs): Promise<number> {
  const action = args.action ?? 'create';
  if (args.tenant === undefined || args.tenant === '') {
    throw new CliError(`weft keys ${action} needs a tenant: --tenant T`, EXIT.invalid);
  }
  const tenant = args.tenant;
  const store =
    args.postgres === undefined
      ? await openSqliteStore({ path: args.db, lock: false })
      : await openPostgresStore({ url: args.postgres, poolSize: 1 });
  try {
    await store.migrate();
    const keys = new ApiKeys(store, systemClock);
    switch (action) {
      case 'create': {
        const created = await keys.create(tenant);
        if (args.json === true) {
          process.stdout.write(`${JSON.stringify(created)}\n`);
        } else {
          process.stdout.write(`${created.key}\n`);
        }
        process.stderr.write(
          `created API key ${created.prefix}… (id ${created.id}) for tenant ${tenant}; it is shown only this once: store it now\n`,
        );
        return EXIT.ok;
      }
      case 'list': {
        const list = await keys.list(tenant);
        if (args.json === true) process.stdout.write(`${JSON.stringify({ keys: list })}\n`);
        else for (const k of list) process.stdout.write(`${k.id}  ${k.prefix}…  ${k.createdAt}\n`);
        return EXIT.ok;
      }
      case 'revoke': {
        if (args.id === undefined)
          throw new CliError(
            'weft keys revoke needs the key id: weft keys revoke ID --tenant T',
            EXIT.invalid,
          );
        if (!(await keys.revoke(tenant, args.id))) {
          throw new CliError(`tenant ${tenant} has no API key ${args.id}`, EXIT.failed);
        }
        process.stderr.write(`revoked API key ${args.id} of tenant ${tenant}\n`);
        return EXIT.ok;
      }
    }
  } catch (e) {
    if (WeftError.is(e) && e.code === 'invalid_request')
      throw new CliError(e.message, EXIT.invalid);
    throw e;
  } finally {
    await store.close();
  }
}
