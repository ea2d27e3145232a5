/**
 * @module cli/open-tenant-warning
 * What `weft serve` says at start when it has API keys and tenant `default` holds data: that data
 * was made in the open mode (no keys), and no key reaches it unless one is made for `default`.
 * Without the warning it looks lost after keys are configured.
 */
import type { Logger } from '@weft/core';
import { holdsData, OPEN_TENANT, parseApiKeys, type Engine } from '@weft/engine';

/** The warning line, or undefined when there is nothing to say. */
export async function openTenantWarning(
  engine: Engine,
  env: NodeJS.ProcessEnv,
  /** How the command names the store: `--db PATH` or `--postgres URL`. */
  storeFlag: string,
): Promise<string | undefined> {
  // A key for `default` reaches its data: nothing is hidden then.
  if (parseApiKeys(env['WEFT_API_KEYS']).some((k) => k.tenant === OPEN_TENANT)) return undefined;
  if ((await engine.store.listApiKeys(OPEN_TENANT)).length > 0) return undefined;
  if (!(await holdsData(engine.store, OPEN_TENANT))) return undefined;
  return (
    `tenant ${OPEN_TENANT} holds workflows, runs or credentials made without API keys, and no key ` +
    `names it: no key sees them. To give them to a key's tenant, stop the server and run ` +
    `weft tenants move ${OPEN_TENANT} TENANT ${storeFlag}`
  );
}

/** Writes the warning (if any) on stderr and in the log. */
export async function warnAboutOpenTenant(
  engine: Engine,
  env: NodeJS.ProcessEnv,
  storeFlag: string,
  log: Logger,
): Promise<void> {
  const warning = await openTenantWarning(engine, env, storeFlag);
  if (warning === undefined) return;
  process.stderr.write(`warning: ${warning}\n`);
  log.warn({ tenant: OPEN_TENANT }, warning);
}
