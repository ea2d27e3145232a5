/**
 * @module store-contract/reopen
 * A case for each store's own tests, beside the contract: the contract opens a new, empty store per
 * test, so whether a second store opened on the same database sees the first one's data is checked
 * here, by the store package that knows what "the same database" is.
 */
import { expect, it } from 'vitest';
import type { Store } from '../index.js';

/**
 * @param place - makes a new database and answers how to open a store on it (every call to the
 *   opener opens that same database).
 */
export function reopenCase(place: () => Promise<() => Promise<Store>>): void {
  it('keeps committed data across close and reopen', async () => {
    const open = await place();
    const first = await open();
    await first.migrate();
    await first.saveWorkflow({
      tenant: 't',
      definition: { id: 'wf', nodes: [], edges: [] },
      source: '',
      hash: 'h',
    });
    await first.close();
    await first.close();
    const second = await open();
    await second.migrate();
    expect((await second.getWorkflow('t', 'wf'))?.version).toBe(1);
    await second.close();
  });
}
