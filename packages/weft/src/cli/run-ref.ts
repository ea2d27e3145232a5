/**
 * @module cli/run-ref
 * What a user may type for RUN in `weft runs ...`: a run id, a unique prefix of one, or `last` for
 * the latest run. One resolver for the local store and a server, over two small lookups that
 * {@link resolveRunRefWith} asks of the client.
 */
import { WeftError, type WeftClient } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';

/** How runs are found: the same two questions locally and over the API. */
export interface RunLookup {
  /** Whether a run has exactly this id. */
  exists(id: string): Promise<boolean>;
  /** A page of run ids, newest first, and the cursor of the next page if any. */
  page(cursor: string | undefined, limit: number): Promise<{ ids: string[]; cursor?: string }>;
}

/** Matches shown when a prefix is ambiguous. */
const SHOWN = 5;

/** The run id `ref` stands for; a CliError when there is none or several. */
export async function resolveRunRef(ref: string, lookup: RunLookup): Promise<string> {
  if (ref === 'last') {
    const { ids } = await lookup.page(undefined, 1);
    if (ids[0] === undefined) throw new CliError('no runs yet: "last" names none', EXIT.failed);
    return ids[0];
  }
  if (ref !== '' && (await lookup.exists(ref))) return ref;
  // A prefix is matched by walking the ids page by page: there is no prefix query, and the CLI
  // asks this once per command.
  const matches: string[] = [];
  let cursor: string | undefined;
  if (ref !== '') {
    do {
      const page = await lookup.page(cursor, 1000);
      for (const id of page.ids) if (id.startsWith(ref)) matches.push(id);
      cursor = page.cursor;
    } while (cursor !== undefined && matches.length <= SHOWN);
  }
  if (matches.length === 0) throw new CliError(`no run ${ref}`, EXIT.failed);
  if (matches.length > 1) {
    const shown = matches.slice(0, SHOWN).join(', ');
    throw new CliError(
      `run id prefix "${ref}" is ambiguous: it matches ${shown}${matches.length > SHOWN ? ', …' : ''}; give more of the id`,
      EXIT.invalid,
    );
  }
  return matches[0] as string;
}

/** A whole run id (a UUID): asked for as it is, so that the answer about it is the client's own. */
const WHOLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The run id `ref` stands for, looked up through the client (locally or on a server). */
export async function resolveRunRefWith(client: WeftClient, ref: string): Promise<string> {
  if (WHOLE_ID.test(ref)) return ref;
  return resolveRunRef(ref, {
    exists: async (id) => {
      try {
        await client.runs.head(id);
        return true;
      } catch (e) {
        if (WeftError.is(e) && e.code === 'not_found') return false;
        throw e;
      }
    },
    page: async (cursor, limit) => {
      const page = await client.runs.list(cursor === undefined ? { limit } : { limit, cursor });
      return {
        ids: page.runs.map((r) => r.id),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      };
    },
  });
}
