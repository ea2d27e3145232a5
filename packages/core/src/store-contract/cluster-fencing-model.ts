/**
 * @module store-contract/cluster-fencing-model
 * A property of the cluster ports: two workers take one run from each other in any order (claims,
 * acquires, lapsed and renewed leases, commits alone and at once), and a commit goes through
 * exactly when its token is the last one handed out, so two tokens never both write the run.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { WeftError } from '../errors.js';
import type { RunEvent } from '../events.js';
import type { ClusterPorts } from '../ports/cluster.js';
import type { Store } from '../ports/store.js';
import { makeRun, makeWrite } from './fixtures.js';

const INFO = { version: 'x', where: 'y' };
const LONG_MS = 60_000;
/** A lease that lapses before the next step: the database's clock passes it during the sleep. */
const LAPSING_MS = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Worker = 0 | 1;
type Step =
  | { do: 'claim' | 'acquire' | 'lapse' | 'renew' | 'commit' | 'release'; by: Worker }
  | { do: 'both-commit' };

const worker = fc.constantFrom<Worker>(0, 1);
type Act = Exclude<Step['do'], 'both-commit'>;
const acts: Act[] = ['claim', 'acquire', 'lapse', 'renew', 'commit', 'release'];
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ do: fc.constantFrom(...acts), by: worker }),
  fc.constant({ do: 'both-commit' as const }),
);

/**
 * Declares the property on `use()`, a migrated store with cluster ports that the caller opens
 * (for the whole file) and closes.
 */
export function fencingPropertyCase(use: () => Store & { cluster: ClusterPorts }): void {
  let trial = 0;

  it('lets only the holder of the last token handed out commit a run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        trial++;
        const runId = `run-${trial}`;
        const ids = [`a-${trial}`, `b-${trial}`] as const;
        const store = use();
        const { claims } = store.cluster;
        for (const id of ids) await claims.join(id, LONG_MS, INFO);
        await store.commit([makeWrite(makeRun(runId, { status: 'queued' }))]);
        /** The token each worker believes it holds. */
        const tokens: (number | undefined)[] = [undefined, undefined];
        let issued = 0;
        /** Who holds the run in the database: the last taker, until it lets go. */
        let owner: Worker | undefined;
        /** Tokens of the commits that went through, in order. */
        const written: number[] = [];

        const commit = async (w: Worker, release: boolean): Promise<'ok' | 'lost' | 'raced'> => {
          const token = tokens[w];
          if (token === undefined) return 'lost';
          const run = await store.getRun(runId);
          const seq = (run?.seq ?? 0) + 1;
          const event = { seq, type: 'node.progress', at: `${seq}` } as unknown as RunEvent;
          try {
            await store.commit([
              makeWrite(makeRun(runId, { status: 'queued', seq }), {
                events: [event],
                claim: { worker: ids[w], token, release },
              }),
            ]);
            written.push(token);
            return 'ok';
          } catch (error) {
            if (WeftError.is(error) && error.code === 'claim_lost') return 'lost';
            // Both read the same seq: the second writer's events collide, which is also a refusal.
            if (WeftError.is(error) && error.code === 'store_conflict') return 'raced';
            throw error;
          }
        };

        try {
          await play(steps);
        } finally {
          // Out of the way of the next trials' claims.
          await store.commit([makeWrite(makeRun(runId, { status: 'succeeded', seq: 1_000 }))]);
          for (const id of ids) await claims.leave(id);
        }
        // Tokens only ever rise along the run's writes: none written after a later one was.
        for (let i = 1; i < written.length; i++) {
          expect(written[i]).toBeGreaterThanOrEqual(written[i - 1] as number);
        }

        async function play(steps: Step[]): Promise<void> {
          for (const s of steps) {
            if (s.do === 'both-commit') {
              const current = tokens.map((t) => t === issued && issued > 0);
              const outcomes = await Promise.all([commit(0, false), commit(1, false)]);
              outcomes.forEach((o, w) => {
                expect(o).toBe(current[w] ? 'ok' : 'lost');
                if (o === 'ok') owner = w as Worker;
              });
              continue;
            }
            const w = s.by;
            switch (s.do) {
              case 'claim':
                for (const c of await claims.claim(ids[w], 1)) {
                  expect(c).toEqual({ runId, token: issued + 1 });
                  issued = tokens[w] = c.token;
                  owner = w;
                }
                break;
              case 'acquire': {
                const got = await claims.acquire(ids[w], runId);
                if (got !== undefined && 'token' in got) {
                  // Its own hold keeps its token; any other is taken under a raised one.
                  expect(got.token).toBe(owner === w ? issued : issued + 1);
                  issued = tokens[w] = got.token;
                  owner = w;
                } else {
                  expect(got).toEqual({ heldBy: ids[1 - w] });
                }
                break;
              }
              case 'lapse':
                await claims.join(ids[w], LAPSING_MS, INFO);
                await sleep(LAPSING_MS + 4);
                break;
              case 'renew':
                if (!(await claims.renew(ids[w], LONG_MS)))
                  await claims.join(ids[w], LONG_MS, INFO);
                break;
              case 'commit':
              case 'release': {
                const mine = tokens[w] !== undefined && tokens[w] === issued;
                expect(await commit(w, s.do === 'release')).toBe(mine ? 'ok' : 'lost');
                if (mine) owner = s.do === 'release' ? undefined : w;
                break;
              }
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);
}
