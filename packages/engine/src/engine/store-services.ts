/**
 * @module engine/store-services
 * The host services that store-backed nodes reach through `ctx.services`: conversation memory
 * (`memory`) and knowledge collections (`knowledge`), each scoped to the tenant of the run that
 * asks, so that a node can never read another tenant's rows.
 */
import {
  WeftError,
  type Clock,
  type KnowledgeService,
  type MemoryService,
  type Store,
} from '@weft/core';

/** A type, not an interface: it is given where a `Record<string, unknown>` is expected. */
export type StoreServices = {
  memory: MemoryService;
  knowledge: KnowledgeService;
};

/**
 * @param tenantOf - the tenant of a run this engine is carrying on (a node runs only in one).
 */
export function storeServices(
  store: Store,
  clock: Clock,
  tenantOf: (runId: string) => string | undefined,
): StoreServices {
  const tenant = (runId: string): string => {
    const found = tenantOf(runId);
    if (found === undefined)
      throw new WeftError('invalid_state', `run ${runId} is not running in this engine`);
    return found;
  };
  const at = () => new Date(clock.now()).toISOString();
  return {
    memory: {
      forRun: (runId) => ({
        append: (session, messages) => store.appendMemory(tenant(runId), session, messages, at()),
        read: (session, window) => store.readMemory(tenant(runId), session, window),
        clear: (session) => store.clearMemory(tenant(runId), session),
      }),
    },
    knowledge: {
      forRun: (runId) => ({
        collection: (name) => store.knowledgeCollection(tenant(runId), name),
        add: (collection, chunks) => store.addKnowledge(tenant(runId), collection, chunks, at()),
        query: (collection, q) => store.queryKnowledge(tenant(runId), collection, q),
      }),
    },
  };
}
