/**
 * @module client/local-client
 * The in-process {@link WeftClient}: `engine.client(tenant)`. Tenancy is enforced here, once for
 * every face: another tenant's workflow or run is `not_found`, exactly like one that does not
 * exist, so that nobody learns what other tenants have.
 */
import type { WeftClient } from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';
import { localCredentials } from './local-credentials.js';
import { localNodes } from './local-nodes.js';
import { localRuns } from './local-runs.js';
import { localWorkflows } from './local-workflows.js';

export function localClient(engine: ClientEngine, tenant: string): WeftClient {
  return {
    workflows: localWorkflows(engine, tenant),
    runs: localRuns(engine, tenant),
    credentials: localCredentials(engine, tenant),
    nodes: localNodes(engine, tenant),
  };
}
