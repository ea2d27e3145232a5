/**
 * @module client/local-nodes
 * Node tests in the tenant: one node of a definition run alone (`engine.testNode`), with the
 * tenant's credentials; JSON text that does not parse is `malformed_json`, as for a publish.
 */
import type { NodesApi } from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';
import { checkJsonText } from './local-workflows.js';

export function localNodes(engine: ClientEngine, tenant: string): NodesApi {
  return {
    async test(request, options = {}) {
      checkJsonText(engine, request.definition, request.format);
      return engine.testNode({ ...request, tenant, ...options });
    },
  };
}
