/**
 * @module store-kit/migrations
 * What the stores' schema migrations have in common: a step's shape, and the refusal of a database
 * that a newer Weft migrated.
 */
import { WeftError } from '../errors.js';

/** One schema step: statements run in order, in one transaction with all other pending steps. */
export interface Migration {
  readonly name: string;
  readonly up: readonly string[];
}

/**
 * @param applied - the names the database records as applied.
 * @param label - how to name the database in the error.
 * @throws WeftError `store_too_new` when the database records migrations this build does not know:
 *   a newer Weft wrote it, and running older code against it could corrupt it.
 */
export function checkKnownMigrations(
  applied: readonly string[],
  migrations: readonly Migration[],
  label: string,
): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new WeftError(
      'store_too_new',
      `database ${label} was written by a newer version of Weft (unknown migrations: ${unknown.join(', ')}); upgrade Weft to open it`,
      { level: 'operational', details: { unknown } },
    );
  }
}
