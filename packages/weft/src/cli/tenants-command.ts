/**
 * @module cli/tenants-command
 * `weft tenants move FROM TO [--db PATH | --postgres URL] [--json]`: gives everything tenant FROM holds (workflows,
 * runs, schedules, webhook deliveries, credentials) to tenant TO, in one transaction. Made for
 * leaving the open mode, whose data belongs to tenant `default`: `weft tenants move default acme`.
 *
 * It claims a SQLite file, so it runs while no `weft serve` holds it: a move under a live server
 * would race with runs it is carrying on (on PostgreSQL, stop the server first: nothing claims it). Credentials are encrypted with their tenant bound in, so
 * they are decrypted and encrypted again for TO with the same secret key the server uses
 * (`WEFT_SECRET_KEY` or the key file beside the database); API keys stay with their tenant.
 */
import { WeftError } from '@weft/core';
import { Engine, moveTenant } from '@weft/engine';
import { CliError, EXIT } from './exit-codes.js';

export interface TenantsArgs {
  from: string;
  to: string;
  db: string;
  /** A PostgreSQL URL, already checked (see `postgresFrom`): used instead of `db`. */
  postgres?: string;
  json?: boolean;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function tenantsCommand(a: TenantsArgs): Promise<number> {
  let engine: Engine;
  try {
    const where = a.postgres === undefined ? { db: a.db } : { postgres: a.postgres };
    engine = await Engine.open({ ...where, autoStart: false });
  } catch (e) {
    if (WeftError.is(e) && e.code === 'store_locked') {
      throw new CliError(
        `${a.db} is in use (${e.message}): stop weft serve, move the tenant, then start it again`,
        EXIT.failed,
      );
    }
    throw e;
  }
  try {
    const moved = await moveTenant(engine, a.from, a.to);
    if (a.json === true) process.stdout.write(`${JSON.stringify(moved)}\n`);
    else {
      process.stdout.write(
        `moved tenant ${a.from} to ${a.to}: ${plural(moved.workflows, 'workflow')}, ` +
          `${plural(moved.runs, 'run')}, ${plural(moved.schedules, 'schedule')}, ` +
          `${plural(moved.credentials, 'credential')}\n`,
      );
    }
    return EXIT.ok;
  } catch (e) {
    if (WeftError.is(e) && e.code === 'invalid_request')
      throw new CliError(e.message, EXIT.invalid);
    if (WeftError.is(e)) throw new CliError(e.message, EXIT.failed);
    throw e;
  } finally {
    await engine.close();
  }
}
