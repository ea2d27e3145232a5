/**
 * @module store-kit/tenants
 * The checks of `Store.moveTenant` that do not depend on how the rows are read: a move that would
 * merge two tenants' names (workflows, credentials, memory sessions,
 * knowledge collections) is refused, and so is one whose re-encrypted credentials are not exactly
 * the ones the source tenant holds (they changed while they were re-encrypted).
 */
import { WeftError } from '../errors.js';
import type { ResealedCredential } from '../ports/store.js';

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * @param clashes - per kind of name (`workflows`, `credentials`, `memory sessions` ...), the names
 *   both tenants have.
 * @throws WeftError `invalid_state` naming them when there are any.
 */
export function checkNoTenantClash(
  from: string,
  to: string,
  clashes: Readonly<Record<string, readonly string[]>>,
): void {
  const what = Object.entries(clashes)
    .filter(([, names]) => names.length > 0)
    .map(([kind, names]) => `${kind} ${list(names)}`);
  if (what.length === 0) return;
  throw new WeftError(
    'invalid_state',
    `tenant ${to} already has ${what.join(' and ')} of the same names as tenant ${from}: ` +
      `nothing moved; delete or rename them on one side first`,
  );
}

/** The refusal of a move whose credentials changed while they were re-encrypted. */
export const credentialsChangedDuringMove = (from: string): WeftError =>
  new WeftError(
    'invalid_state',
    `the credentials of tenant ${from} changed while they were re-encrypted: nothing moved; try again`,
  );

/**
 * @param stored - the names of the credentials tenant `from` holds, sorted (read locked).
 * @throws WeftError `invalid_state` unless `given` re-encrypts exactly those.
 */
export function checkResealedNames(
  from: string,
  stored: readonly string[],
  given: readonly ResealedCredential[],
): void {
  const names = given.map((c) => c.name).sort();
  if (stored.join('\u0000') !== names.join('\u0000')) throw credentialsChangedDuringMove(from);
}
