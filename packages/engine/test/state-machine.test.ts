/**
 * State-machine runs through the library (SPEC section 5): events in with `engine.send`, refused
 * with the state and the events it accepts; actions as node executions with their idempotency
 * keys; `after` timers; the run view's state, context and accepted events; a restart between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, WeftError } from '../src/index.js';
import { openEngine, probeNode, tempDb, yaml, type ProbeCall } from './helpers.js';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const order = (timeout: string) => yaml`
id: order
kind: state-machine
initial: created
context: { paid: 0 }
inputs: { type: object, properties: { total: { type: number } } }
states:
  created:
    on:
      PAY: { target: paid, guard: "event.amount >= inputs.total", assign: { paid: "{{ event.amount }}" } }
      CANCEL: cancelled
    after: { ${timeout}: expired }
  paid:
    entry: [ { id: notify, type: probe, with: { value: "{{ context.paid }}" } } ]
    on: { SHIP: shipped }
  shipped: { type: final }
  cancelled: { type: final }
  expired: { type: final }
`;

async function refusal(promise: Promise<unknown>): Promise<WeftError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(WeftError.is(e)).toBe(true);
  return e as WeftError;
}

describe('state-machine runs', () => {
  it('wait for events, move on them, run their actions once and end in a final state', async () => {
    let calls: ProbeCall[];
    ({ engine, calls } = await openEngine());
    const run = await engine.run(order('P7D'), { input: { total: 10 } });
    expect(run).toMatchObject({
      status: 'waiting',
      state: 'created',
      context: { paid: 0 },
      accepts: ['CANCEL', 'PAY'],
    });

    const wrong = await refusal(engine.send(run.id, { type: 'SHIP' }));
    expect(wrong.code).toBe('invalid_state');
    expect(wrong.details).toEqual({ state: 'created', accepts: ['CANCEL', 'PAY'] });

    await engine.send(run.id, { type: 'PAY', data: { amount: 5 } });
    expect(await engine.wait(run.id)).toMatchObject({ status: 'waiting', state: 'created' });

    await engine.send(run.id, { type: 'PAY', data: { amount: 12 } });
    const paid = await engine.wait(run.id);
    expect(paid).toMatchObject({ state: 'paid', context: { paid: 12 }, accepts: ['SHIP'] });
    expect(calls).toEqual([
      { path: 'entry[0].notify', attempt: 1, key: `${run.id}:entry[0].notify`, value: 12 },
    ]);

    await engine.send(run.id, { type: 'SHIP' });
    const done = await engine.wait(run.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      output: { state: 'shipped', context: { paid: 12 } },
      accepts: [],
    });
    const transitions: unknown[] = [];
    for await (const e of engine.events(run.id, { follow: false })) {
      if (e.type === 'state.transition') transitions.push(e.data);
    }
    expect(transitions).toEqual([
      { from: 'created', to: 'paid', event: 'PAY', assigned: { paid: 12 } },
      { from: 'paid', to: 'shipped', event: 'SHIP' },
    ]);
    expect((await refusal(engine.send(run.id, { type: 'SHIP' }))).code).toBe('invalid_state');
    expect(calls).toHaveLength(1);
  });

  it('refuses a bad event: no type, or data past the bounds', async () => {
    ({ engine } = await openEngine());
    const run = await engine.run(order('P7D'), { input: { total: 10 } });
    const noType = await refusal(engine.send(run.id, { type: '' }));
    expect(noType.code).toBe('invalid_request');
    const deep = await refusal(
      engine.send(run.id, { type: 'PAY', data: JSON.parse('['.repeat(200) + ']'.repeat(200)) }),
    );
    expect(deep.code).toBe('invalid_request');
    expect(deep.message).toMatch(/^event PAY is invalid: data/);
  });

  it('a human action waits for its answer, by its path; events sent meanwhile wait their turn', async () => {
    let calls: ProbeCall[];
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: review
kind: state-machine
initial: review
states:
  review:
    entry:
      - id: approve
        type: human
        with: { prompt: "ok?", schema: { type: object, required: [ok], properties: { ok: { type: boolean } } } }
      - { id: after, type: probe, with: { value: "{{ approve.ok }}" } }
    on: { DONE: done }
  done: { type: final }
`);
    expect(run).toMatchObject({ status: 'waiting', state: 'review' });
    expect(await engine.waitingForAnswer(run.id)).toEqual(['entry[0].approve']);
    await engine.send(run.id, { type: 'DONE' });
    expect(await engine.get(run.id)).toMatchObject({ status: 'waiting', state: 'review' });
    await expect(engine.input(run.id, 'entry[0].approve', { ok: 'yes' })).rejects.toThrow(
      /must be boolean/,
    );
    await engine.input(run.id, 'entry[0].approve', { ok: true });
    const done = await engine.wait(run.id);
    expect(done).toMatchObject({ status: 'succeeded', output: { state: 'done' } });
    expect(calls.map((c) => [c.path, c.value])).toEqual([['entry[1].after', true]]);
  });

  it('a wait action is waited for: the run settles once the machine waits for events', async () => {
    ({ engine } = await openEngine());
    const run = await engine.run(yaml`
id: pause
kind: state-machine
initial: a
states:
  a:
    entry: [ { id: nap, type: wait, with: { duration: 150 } } ]
    on: { GO: b }
  b: { type: final }
`);
    expect(run).toMatchObject({
      status: 'waiting',
      state: 'a',
      nodes: { 'entry[0].nap': { status: 'succeeded' } },
    });
  });

  it('a failed run is retried where it stopped: the action runs again under its key', async () => {
    let calls: ProbeCall[];
    ({ engine, calls } = await openEngine());
    const run = await engine.run(yaml`
id: flaky
kind: state-machine
initial: a
states:
  a:
    entry: [ { id: charge, type: probe, with: { fail_times: 1, retryable: false, value: ok } } ]
    on: { GO: b }
  b: { type: final }
`);
    expect(run).toMatchObject({ status: 'failed', state: 'a' });
    expect(run.error?.message).toMatch(/^a entry action charge: attempt 1 failed/);
    await engine.retry(run.id);
    expect(await engine.wait(run.id)).toMatchObject({ status: 'waiting', state: 'a' });
    expect(calls.map((c) => [c.key, c.attempt])).toEqual([
      [`${run.id}:entry[0].charge`, 1],
      [`${run.id}:entry[0].charge`, 2],
    ]);
    await engine.send(run.id, { type: 'GO' });
    expect(await engine.wait(run.id)).toMatchObject({ status: 'succeeded', state: 'b' });
  });

  it('take their after transition when the timer falls due, across a restart', async () => {
    const db = tempDb();
    const calls: ProbeCall[] = [];
    engine = await Engine.open({ db, nodes: [probeNode(calls)] });
    const { id } = await engine.start(order('PT0.3S'), { input: { total: 10 } });
    expect(await engine.wait(id)).toMatchObject({ status: 'waiting', state: 'created' });
    await engine.close();
    engine = await Engine.open({ db, nodes: [probeNode(calls)] });
    const done = await engine.wait(id, { until: 'finished' });
    expect(done.output).toEqual({ state: 'expired', context: { paid: 0 } });
  });
});
