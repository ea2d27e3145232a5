/**
 * @module cli/doctor-command
 * `weft doctor [--db PATH] [--json]`: checks a database file without changing it (SQLite's
 * `PRAGMA integrity_check`, and that it is Weft's). Exit 0 when it is sound, 1 with what is wrong.
 * The message a damaged database gets at start-up points here.
 */
import { checkDatabaseFile } from '@weft/store-sqlite';
import { EXIT } from './exit-codes.js';

export interface DoctorArgs {
  db: string;
  json?: boolean;
}

export function doctorCommand(a: DoctorArgs): number {
  const check = checkDatabaseFile(a.db);
  if (a.json === true) {
    process.stdout.write(`${JSON.stringify({ database: a.db, ...check })}\n`);
  } else if (check.ok) {
    process.stdout.write(`${a.db}: ok\n`);
  } else {
    const lines = check.problems.map((p) => `  ${p}`).join('\n');
    process.stdout.write(
      `${a.db}: not ok\n${lines}\nrestore it from a backup, or start on a new file\n`,
    );
  }
  return check.ok ? EXIT.ok : EXIT.failed;
}
