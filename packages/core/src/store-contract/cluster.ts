/**
 * @module store-contract/cluster
 * The behaviour of a store's cluster ports (`Store.cluster`): leases, claims that fence writes,
 * and the bus. A store without them skips these cases. Times are short real waits: leases lapse
 * on the database's clock, which a test cannot move.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../index.js';
import { claimCases } from './cluster-claims.js';
import { busCases } from './cluster-bus.js';
import { fencingCases } from './cluster-fencing.js';
import type { ClusterStore, ClusterUse } from './cluster-fixtures.js';

const hasCluster = (s: Store): s is ClusterStore => s.cluster !== undefined;

/**
 * Declares the cluster suite for one store implementation.
 *
 * @param place - makes a new, empty database and answers how to open a store on it (every call
 *   to the opener opens that same database); the suite migrates and closes what it opens.
 */
export function clusterContract(name: string, place: () => Promise<() => Promise<Store>>): void {
  describe(`Cluster contract: ${name}`, () => {
    let store: ClusterStore;
    let open: () => Promise<Store>;
    let opened: Store[] = [];

    const migrated = async (opener: () => Promise<Store>): Promise<ClusterStore> => {
      const s = await opener();
      opened.push(s);
      await s.migrate();
      if (!hasCluster(s)) throw new Error(`store ${name} lost its cluster ports`);
      return s;
    };

    beforeEach(async (context) => {
      open = await place();
      const first = await open();
      opened.push(first);
      if (!hasCluster(first)) {
        context.skip();
        return;
      }
      await first.migrate();
      store = first;
    });
    afterEach(async () => {
      const all = opened;
      opened = [];
      for (const s of all) await s.close();
    });

    const use: ClusterUse = {
      store: () => store,
      another: () => migrated(open),
      elsewhere: async () => migrated(await place()),
    };
    claimCases(use);
    fencingCases(use);
    busCases(use);
  });
}
