/**
 * @module store-contract
 * The behaviour every {@link Store} must show, as vitest blocks. Each store package runs it against
 * its real database (there is no mock store), so SQLite and PostgreSQL cannot drift apart.
 *
 * Times are written as `Date#toISOString()` text and must read back as the same text. Ids in these
 * tests are plain ASCII so that any byte-wise (`COLLATE "C"`) ordering agrees with the expected one.
 *
 * @example
 * ```ts
 * storeContract('sqlite :memory:', () => openSqliteStore({ path: ':memory:' }));
 * ```
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { commitCases } from './store-contract/commit.js';
import { eventOutputCases } from './store-contract/event-outputs.js';
import { knowledgeCases } from './store-contract/knowledge.js';
import { keyCases } from './store-contract/keys.js';
import { memoryCases } from './store-contract/memory.js';
import { events, makeRun, makeWrite } from './store-contract/fixtures.js';
import { queryCases } from './store-contract/queries.js';
import { rateCases } from './store-contract/rates.js';
import { retentionCases } from './store-contract/retention.js';
import { retentionModelCases } from './store-contract/retention-model.js';
import { runCases } from './store-contract/runs.js';
import { secretCases } from './store-contract/secrets.js';
import { startKeyCases } from './store-contract/start-keys.js';
import { tenantCases } from './store-contract/tenants.js';
import { tokenBudgetCases } from './store-contract/token-budgets.js';
import { timerCases } from './store-contract/timers.js';
import { triggerCases } from './store-contract/triggers.js';
import { workflowCases } from './store-contract/workflows.js';

/** Store-neutral pieces for a store package's own tests. */
export { events, makeNode, makeRun, makeWrite } from './store-contract/fixtures.js';
export { reopenCase } from './store-contract/reopen.js';
export { clusterContract } from './store-contract/cluster.js';
export { fencingPropertyCase } from './store-contract/cluster-fencing-model.js';

/** Cases each property generates, on every store. */
const MODEL_RUNS = 100;

/**
 * Declares the contract suite for one store implementation.
 *
 * @param name - shown in the test names (e.g. `sqlite file`).
 * @param open - returns a new, empty, not yet migrated store on every call; the suite migrates it
 *   and closes it after each test.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    const use = (): Store => store;

    describe('migrate', () => {
      it('can run again without error and keeps the data', async () => {
        const definition = { id: 'wf', nodes: [], edges: [] };
        await store.saveWorkflow({ tenant: 't1', definition, source: '', hash: 'h1' });
        await store.commit([makeWrite(makeRun('r1'), { events: events(1, 1) })]);
        await store.migrate();
        await store.migrate();
        expect((await store.getWorkflow('t1', 'wf'))?.version).toBe(1);
        expect(await store.readEvents('r1', 0)).toHaveLength(1);
      });
    });

    workflowCases(use);
    runCases(use);
    commitCases(use);
    eventOutputCases(use);
    queryCases(use);
    timerCases(use);
    secretCases(use);
    triggerCases(use);
    retentionCases(use);
    retentionModelCases(use, MODEL_RUNS);
    tenantCases(use);
    memoryCases(use);
    knowledgeCases(use);
    startKeyCases(use);
    keyCases(use);
    rateCases(use);
    tokenBudgetCases(use);
  });
}
