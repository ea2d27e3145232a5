/**
 * Issue 11, item 1, crash safety: the engine SIGKILLed at random moments while nodes run durable
 * sub-steps. After each restart, no sub-step whose result was recorded runs again (the ledger has
 * no `ran` of a step after its `recorded`), and every run ends with the output of an uninterrupted
 * run.
 *
 * The child is worker.mjs on the built packages, loaded ahead (loaded-child.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { crashScratch, killAtRandom } from './loaded-child.js';

const RUNS = 16;
const STEPS = 8;
const KILLS = Number(process.env['WEFT_CRASH_STEP_KILLS'] ?? 4);

describe.runIf(process.platform === 'linux')('durable sub-steps across SIGKILLs', () => {
  const scratch = crashScratch('weft-steps-restart-');

  it('never runs a recorded step again, and every run completes', async () => {
    const db = join(scratch(), 'steps.db');
    const plan = join(scratch(), 'plan.json');
    const ledger = join(scratch(), 'ledger.txt');
    writeFileSync(ledger, '');
    const node = (id: string) => ({ id, type: 'stepper', with: { steps: STEPS, ms: 25 } });
    writeFileSync(
      plan,
      JSON.stringify({
        workflows: [{ id: 'stepping', nodes: [node('a'), node('b')] }],
        runs: Array.from({ length: RUNS }, (_, i) => ({
          workflow: 'stepping',
          key: `steps-${i}`,
          input: {},
        })),
        lanes: 4,
      }),
    );
    const env = { WEFT_CRASH_DB: db, WEFT_CRASH_PLAN: plan, WEFT_CRASH_STEPS: ledger };

    // Each kill lands while work is in flight; a last child finishes every run.
    await killAtRandom(env, KILLS, { min: 100, max: 500 }, 60_000);

    // No step ran after its result was recorded, in this process or a later one.
    const recorded = new Set<string>();
    let replayedAcrossKills = 0;
    const ranBy = new Map<string, Set<string>>();
    for (const line of readFileSync(ledger, 'utf8').split('\n').filter(Boolean)) {
      const [what, run, path, step, pid] = line.split(' ');
      const key = `${run} ${path} ${step}`;
      if (what === 'ran') {
        expect(recorded.has(key), `step ${key} ran again after it was recorded`).toBe(false);
        ranBy.set(`${run} ${path}`, (ranBy.get(`${run} ${path}`) ?? new Set()).add(pid!));
      } else recorded.add(key);
    }
    for (const pids of ranBy.values()) if (pids.size > 1) replayedAcrossKills++;
    // The kills did land in the middle of nodes whose earlier steps were kept.
    expect(replayedAcrossKills).toBeGreaterThan(0);

    const engine = await Engine.open({ db, autoStart: false, lock: false });
    try {
      const { runs: items } = await engine.store.listRuns({ limit: 100 });
      expect(items).toHaveLength(RUNS);
      const expected = Array.from({ length: STEPS }, (_, i) => i * 10);
      for (const summary of items) {
        const run = await engine.get(summary.id);
        expect(run?.status).toBe('succeeded');
        expect(run?.nodes['a']?.output).toEqual(expected);
        expect(run?.nodes['b']?.output).toEqual(expected);
      }
    } finally {
      await engine.close();
    }
    process.stdout.write(
      `steps-restart: ${KILLS} kills, ${replayedAcrossKills} of ${RUNS * 2} nodes carried recorded steps across a kill\n`,
    );
  }, 180_000);
});
