/**
 * @module store-kit/run-pages
 * `listRuns` pages: keyset pagination over (created_at, id), newest first. The cursor is the last
 * row's sort key, so a page is an index range scan however deep the client has paged, and runs
 * created while paging never shift the pages that follow. Both stores give the same cursors.
 */
import { WeftError } from '../errors.js';

/** Page size when the query gives none. */
const DEFAULT_RUN_PAGE = 50;
/** Largest page; larger requests are capped. */
const MAX_RUN_PAGE = 1000;

/** Sort key of a run: what a cursor encodes. */
type SortKey = [createdAt: string, id: string];

/** Encodes a cursor: base64url of the JSON sort key. Opaque to clients. */
function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id] satisfies SortKey)).toString('base64url');
}

/** @throws WeftError `invalid_cursor` for anything {@link encodeCursor} did not produce. */
export function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    Array.isArray(key) &&
    key.length === 2 &&
    typeof key[0] === 'string' &&
    typeof key[1] === 'string'
  ) {
    return [key[0], key[1]];
  }
  throw new WeftError(
    'invalid_cursor',
    'the cursor is not valid: pass the cursor of a previous page unchanged',
  );
}

/** Clamps a requested page size into [1, {@link MAX_RUN_PAGE}]. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RUN_PAGE;
  return Math.min(MAX_RUN_PAGE, Math.max(1, Math.floor(limit)));
}

/**
 * The page from rows read with one row more than `limit`: that extra row tells whether another
 * page exists, so the last page carries no cursor. Trims `rows` in place.
 */
export function pageOf<R extends { created_at: string; id: string }>(
  rows: R[],
  limit: number,
): { rows: R[]; cursor?: string } {
  if (rows.length <= limit) return { rows };
  rows.length = limit;
  const last = rows[limit - 1] as R;
  return { rows, cursor: encodeCursor(last.created_at, last.id) };
}
