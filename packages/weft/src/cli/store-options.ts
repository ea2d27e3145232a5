/**
 * @module cli/store-options
 * Which store a command opens (the SQLite file `--db`, or PostgreSQL with `--postgres URL` or
 * `WEFT_POSTGRES_URL`), and how `weft run` and `weft serve` keep the embedded store: the
 * durability (`--sync full|normal`, or `WEFT_SYNC`) and `weft serve`'s default retention
 * (`--retention-days N`, or `WEFT_RETENTION_DAYS`). A bad value stops the command before anything
 * is opened (exit 2).
 */
import { CliError, EXIT } from './exit-codes.js';
import { shellWord } from './format.js';

export type Synchronous = 'FULL' | 'NORMAL';

/**
 * `full` (the default) syncs every commit: a committed run survives power loss. `normal` syncs at
 * checkpoints only: it survives the process crashing, not the machine losing power.
 */
export function syncFrom(flag: string | undefined, env: NodeJS.ProcessEnv): Synchronous {
  const [value, source] = flag !== undefined ? [flag, '--sync'] : [env['WEFT_SYNC'], 'WEFT_SYNC'];
  if (value === undefined || value.trim() === '') return 'FULL';
  const mode = value.trim().toLowerCase();
  if (mode === 'full') return 'FULL';
  if (mode === 'normal') return 'NORMAL';
  throw new CliError(
    `${source} must be full (survives power loss) or normal (survives a process crash), not "${value}"`,
    EXIT.invalid,
  );
}

/** Days after which `weft serve` deletes finished runs of workflows without their own retention. */
export function retentionDaysFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): number | undefined {
  const [value, source] =
    flag !== undefined
      ? [flag, '--retention-days']
      : [env['WEFT_RETENTION_DAYS'], 'WEFT_RETENTION_DAYS'];
  if (value === undefined || value.trim() === '') return undefined;
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0 || days > 36_500) {
    throw new CliError(
      `${source} must be a number of days above 0 (e.g. 30), not "${value}"`,
      EXIT.invalid,
    );
  }
  return days;
}

/**
 * The PostgreSQL URL a command uses: `--postgres`, else `WEFT_POSTGRES_URL`; undefined for the
 * SQLite file. An explicit `--db` beside `--postgres` is refused: which one was meant is unclear.
 */
export function postgresFrom(
  flag: string | undefined,
  dbGiven: boolean,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (flag !== undefined && dbGiven) {
    throw new CliError('give --db PATH or --postgres URL, not both', EXIT.invalid);
  }
  if (flag !== undefined) return checkPostgres(flag, '--postgres');
  if (dbGiven) return undefined;
  const fromEnv = env['WEFT_POSTGRES_URL'];
  return fromEnv === undefined || fromEnv.trim() === ''
    ? undefined
    : checkPostgres(fromEnv.trim(), 'WEFT_POSTGRES_URL');
}

function checkPostgres(url: string, source: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new CliError(
      `${source} must be a PostgreSQL URL like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
      EXIT.invalid,
    );
  }
  return url;
}

/** A PostgreSQL database the command works on, beside the workers (./postgres-target.ts). */
export interface PostgresTarget {
  url: string;
  /** Appended to the commands that messages suggest (` --postgres URL` when it was given so). */
  where: string;
}

/** The target of `url`, named in suggestions as it was given: by `--postgres`, or by the environment. */
export function postgresTarget(url: string, fromFlag: boolean): PostgresTarget {
  if (!fromFlag) return { url, where: '' };
  // A password is never repeated on the terminal: the suggestion says URL instead.
  const hasPassword = URL.canParse(url) && new URL(url).password !== '';
  return { url, where: ` --postgres ${hasPassword ? 'URL' : shellWord(url)}` };
}
