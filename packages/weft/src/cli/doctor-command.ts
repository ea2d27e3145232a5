/**
 * @module cli/doctor-command
 * `weft doctor [--db PATH | --postgres URL] [--json]`: checks a database without changing it.
 * A SQLite file: SQLite's `PRAGMA integrity_check`, that it is Weft's, and the processes sharing it
 * that hold a live lease. PostgreSQL: that it can be reached and its schema is empty or Weft's (not
 * a newer Weft's), with the migrations it still lacks and the workers holding a live lease. Exit 0 when it is sound, 1 with what is wrong. The
 * message a damaged database gets at start-up points here.
 */
import { checkPostgresDatabase, type PostgresCheck } from '@weft/store-postgres';
import { checkDatabaseFile } from '@weft/store-sqlite';
import { EXIT } from './exit-codes.js';

export interface DoctorArgs {
  db: string;
  /** A PostgreSQL URL, already checked (see `postgresFrom`): checked instead of `db`. */
  postgres?: string;
  json?: boolean;
}

export async function doctorCommand(a: DoctorArgs): Promise<number> {
  if (a.postgres !== undefined) return postgresDoctor(await checkPostgresDatabase(a.postgres), a);
  const check = checkDatabaseFile(a.db);
  if (a.json === true) {
    process.stdout.write(`${JSON.stringify({ database: a.db, ...check })}\n`);
  } else if (check.ok) {
    const workers = check.workers ?? [];
    const lines = [
      `${a.db}: ok`,
      workers.length === 0
        ? '  workers: none live (no weft serve, weft worker or other process shares the file now)'
        : `  workers: ${workers.length} live`,
      ...workers.map((w) => `    ${w.where}  ${w.id}  version ${w.version}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    const lines = check.problems.map((p) => `  ${p}`).join('\n');
    process.stdout.write(
      `${a.db}: not ok\n${lines}\nrestore it from a backup, or start on a new file\n`,
    );
  }
  return check.ok ? EXIT.ok : EXIT.failed;
}

function postgresDoctor(check: PostgresCheck, a: DoctorArgs): number {
  if (a.json === true) {
    process.stdout.write(`${JSON.stringify(check)}\n`);
    return check.ok ? EXIT.ok : EXIT.failed;
  }
  const { database, schema, workers = [] } = check;
  if (!check.ok || schema === undefined) {
    const lines = check.problems.map((p) => `  ${p}`).join('\n');
    process.stdout.write(`${database}: not ok\n${lines}\n`);
    return EXIT.failed;
  }
  const pending = schema.pending.length;
  const lines = [
    `${database}: ok`,
    pending === 0
      ? `  schema: up to date (${schema.applied.length} migrations)`
      : `  schema: ${pending} migration${pending === 1 ? '' : 's'} to apply (${schema.pending.join(', ')}); weft migrate applies them, as does any weft serve or weft worker at its start`,
    workers.length === 0
      ? '  workers: none live; runs wait until a weft worker or weft serve starts on this database'
      : `  workers: ${workers.length} live`,
    ...workers.map((w) => `    ${w.where}  ${w.id}  version ${w.version}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
