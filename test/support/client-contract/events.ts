/** Events: the stored log, then live events with no gaps or duplicates; resuming after a seq. */
import { expect, it } from 'vitest';
import type { RunEvent } from '@weft/core/client';
import type { World } from '../client-contract.js';
import { ask, hello, publishAll } from './fixtures.js';

const seqs = (events: readonly RunEvent[]) => events.map((e) => e.seq);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

export function eventCases(world: World): void {
  it('follows stored events then live ones to the terminal event, each once and in order', async () => {
    const acme = world().client('acme');
    await publishAll(acme, ask);
    const { id } = await acme.runs.start('ask');
    await acme.runs.wait(id); // waiting for the answer: some events are stored already
    const seen: RunEvent[] = [];
    const following = (async () => {
      for await (const e of acme.runs.events(id)) {
        seen.push(e);
        if (e.type === 'run.waiting') await acme.runs.input(id, 'approve', { ok: true });
      }
    })();
    await following;
    expect(seqs(seen)).toEqual(oneToN(seen.length));
    expect(seen.at(-1)?.type).toBe('run.succeeded');
    const stored = await acme.runs.eventPage(id);
    expect(stored).toEqual({ events: seen, has_more: false });
  });

  it('resumes after a given seq, stored only or following', async () => {
    const acme = world().client('acme');
    await publishAll(acme, hello);
    const { run } = await acme.runs.run('hello');
    const all: RunEvent[] = [];
    for await (const e of acme.runs.events(run.id, { follow: false })) all.push(e);
    expect(seqs(all)).toEqual(oneToN(all.length));
    const rest: RunEvent[] = [];
    for await (const e of acme.runs.events(run.id, { after: 2 })) rest.push(e);
    expect(rest).toEqual(all.slice(2));
    const page = await acme.runs.eventPage(run.id, { after: 1, limit: 2 });
    expect(page).toEqual({ events: all.slice(1, 3), has_more: all.length > 3 });
    const none: RunEvent[] = [];
    for await (const e of acme.runs.events(run.id, { after: all.length })) none.push(e);
    expect(none).toEqual([]);
  });

  it('ends a live stream quietly when its signal aborts', async () => {
    const acme = world().client('acme');
    await publishAll(acme, ask);
    const { id } = await acme.runs.start('ask');
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const e of acme.runs.events(id, { signal: stop.signal })) {
      seen.push(e.type);
      if (e.type === 'run.waiting') stop.abort();
    }
    expect(seen).toContain('run.started');
    expect((await acme.runs.get(id)).status).toBe('waiting');
  });
}
