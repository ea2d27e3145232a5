/**
 * @module tenants
 * Moving what one tenant holds to another, for a server that leaves the open mode: what was made
 * without keys belongs to tenant `default`, which no key names unless one is made for it.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ db: '.weft/weft.db' });
 * await moveTenant(engine, 'default', 'acme'); // { workflows: 3, runs: 41, schedules: 1, credentials: 2 }
 * ```
 */
import { WeftError, type Store, type TenantMove } from '@weft/core';
import type { Credentials } from './credentials/credentials.js';
import { checkTenant } from './keys/keys.js';

/** The tenant of everything made while the API runs without keys. */
export const OPEN_TENANT = 'default';

/**
 * Moves workflows, runs, schedules, webhook deliveries, credentials, memory sessions and knowledge
 * collections of `from` to `to`, in one transaction. Credentials are decrypted and encrypted again for `to` (their ciphertext is bound to
 * the tenant), so they keep working; API keys stay where they are.
 * @throws WeftError `invalid_request` (bad or equal names), `invalid_state` (names taken in `to`),
 *   `credential_unreadable` (the secret key is not the one they were stored with)
 */
export async function moveTenant(
  engine: { store: Store; credentials: Credentials; tenantMoved(tenant: string): void },
  from: string,
  to: string,
): Promise<TenantMove> {
  checkTenant(from, 'the tenant to move from');
  checkTenant(to, 'the tenant to move to');
  if (from === to) throw new WeftError('invalid_request', `tenant ${from} cannot move to itself`);
  const credentials = await engine.credentials.resealed(from, to);
  const moved = await engine.store.moveTenant(from, to, credentials);
  engine.tenantMoved(from);
  return moved;
}

/** What tenant `tenant` holds, at a glance: whether it has any workflow, run or credential. */
export async function holdsData(store: Store, tenant: string): Promise<boolean> {
  if ((await store.listWorkflows(tenant)).length > 0) return true;
  if ((await store.listRuns({ tenant, limit: 1 })).runs.length > 0) return true;
  return (await store.listCredentials(tenant)).length > 0;
}
