import { describe, expect, test } from 'vitest';
import type { WeftError } from '../../errors.js';
import { isRefusal } from '../refusal.js';
import { MAX_ALWAYS, MAX_QUEUED } from './decide.js';
import { planOf, Sim } from './test-support.js';

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

const ORDER = planOf(
  yaml(
    'id: order',
    'kind: state-machine',
    'initial: created',
    'context: { paid: 0 }',
    'inputs: { type: object, properties: { total: { type: number } } }',
    'states:',
    '  created:',
    '    on:',
    '      PAY: { target: paid, guard: "event.amount >= inputs.total", assign: { paid: "{{ event.data.amount }}" } }',
    '      CANCEL: cancelled',
    '    after: { P7D: expired }',
    '  paid:',
    '    entry: [ { id: notify, type: http, with: { method: POST, url: "https://example.com/{{ context.paid }}" } } ]',
    '    exit: [ { id: bye, type: http, with: { method: POST, url: "https://example.com/bye" } } ]',
    '    on: { SHIP: shipped }',
    '  shipped: { type: final }',
    '  cancelled: { type: final }',
    '  expired: { type: final }',
  ),
);

function refused(fn: () => void): WeftError {
  try {
    fn();
  } catch (e) {
    expect(isRefusal(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error('expected a refusal');
}

describe('state-machine decide', () => {
  test('an event moves the machine; actions run as node executions; final ends the run', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    expect(sim.machine.state).toBe('created');
    expect(sim.state.meta.status).toBe('waiting');
    expect([...sim.timers.values()].map((t) => t.dueAt - sim.now)).toEqual([7 * 86_400_000]);

    sim.send('PAY', { amount: 12 });
    expect(sim.machine.state).toBe('paid');
    expect(sim.machine.context).toEqual({ paid: 12 });
    expect(sim.timers.size).toBe(0);
    expect(sim.transitions()).toEqual([
      { from: 'created', to: 'paid', event: 'PAY', assigned: { paid: 12 } },
    ]);
    expect(sim.state.meta.status).toBe('running');
    expect(sim.inflight).toMatchObject([
      {
        path: 'entry[0].notify',
        nodeType: 'http',
        params: { url: 'https://example.com/12' },
        idempotencyKey: 'run-1:entry[0].notify',
      },
    ]);

    // An event sent during the entry action waits its turn.
    sim.send('SHIP');
    expect(sim.machine.state).toBe('paid');
    sim.answer({ status: 200 });
    expect(sim.machine.state).toBe('shipped');
    expect(sim.inflight.map((c) => c.path)).toEqual(['exit[1].bye']);
    sim.answer();
    expect(sim.state.meta.status).toBe('succeeded');
    expect(sim.state.meta.output).toEqual({ state: 'shipped', context: { paid: 12 } });
  });

  test('an event with no transition is refused with the state and the events it accepts', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    const e = refused(() => sim.send('SHIP'));
    expect(e.code).toBe('invalid_state');
    expect(e.details).toEqual({ state: 'created', accepts: ['CANCEL', 'PAY'] });
  });

  test('events wait their turn, up to a bound', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    sim.send('PAY', { amount: 10 });
    for (let i = 0; i < MAX_QUEUED; i++) sim.send('SHIP');
    expect(sim.machine.queue).toHaveLength(MAX_QUEUED);
    expect(refused(() => sim.send('SHIP')).message).toMatch(/1000 events waiting their turn/);
    sim.answer();
    sim.answer();
    // The first SHIP moved it to its final state (after paid's exit action): the others are
    // dropped with the run's end.
    expect(sim.state.meta.output).toMatchObject({ state: 'shipped' });
  });

  test('a false guard never moves the machine', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    sim.send('PAY', { amount: 3 });
    expect(sim.machine.state).toBe('created');
    expect(sim.transitions()).toEqual([]);
    expect(sim.state.meta.status).toBe('waiting');
  });

  test('an after timer moves the machine, and one of a state left does nothing', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    const [timer] = [...sim.timers.values()];
    sim.fire(timer!.id);
    expect(sim.state.meta.output).toEqual({ state: 'expired', context: { paid: 0 } });

    const left = new Sim(ORDER, { total: 10 });
    left.apply({ type: 'start' });
    const [armed] = [...left.timers.values()];
    left.send('PAY', { amount: 10 });
    left.apply({ type: 'timer.fired', timer: armed! });
    expect(left.machine.state).toBe('paid');
    expect(left.transitions().map((t) => t.to)).toEqual(['paid']);
  });

  test('a failed action follows its on_error: fail fails the run, with its retries first', () => {
    const plan = planOf(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'states:',
        '  a:',
        '    entry:',
        '      - { id: call, type: http, with: { method: GET, url: "https://x.example" }, retry: { max_attempts: 2, initial_ms: 5 } }',
        '      - { id: soft, type: http, with: { method: GET, url: "https://x.example" }, on_error: continue }',
        '    on: { GO: b }',
        '  b:',
        '    entry: [ { id: hard, type: http, with: { method: GET, url: "https://x.example" } } ]',
        '    on: { GO: c }',
        '  c: { type: final }',
      ),
    );
    const sim = new Sim(plan);
    sim.apply({ type: 'start' });
    sim.answer(undefined, { code: 'timeout', retryable: true });
    const [retry] = [...sim.timers.values()];
    sim.fire(retry!.id);
    const again = sim.answer();
    expect(again).toMatchObject({ path: 'entry[0].call', attempt: 2 });
    sim.answer(undefined, { code: 'boom' });
    expect(sim.state.meta.status).toBe('waiting');
    sim.send('GO');
    sim.answer(undefined, { code: 'boom' });
    expect(sim.state.meta.status).toBe('failed');
    expect(sim.state.meta.error?.message).toBe('b entry action hard: simulated');
  });

  test('retry: a failed run goes on where it stopped, its failed action again under its key', () => {
    const plan = planOf(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'states:',
        '  a:',
        '    on: { GO: b }',
        '  b:',
        '    entry:',
        '      - { id: call, type: http, with: { method: GET, url: "https://x.example" } }',
        '      - { id: next, type: http, with: { method: GET, url: "https://x.example/{{ call.n }}" } }',
        '    after: { PT1M: c }',
        '  c: { type: final }',
      ),
    );
    const sim = new Sim(plan);
    sim.apply({ type: 'start' });
    expect(refused(() => sim.apply({ type: 'retry' })).message).toMatch(
      /only a failed or cancelled/,
    );
    sim.send('GO');
    const first = sim.answer(undefined, { code: 'boom' });
    expect(sim.state.meta.status).toBe('failed');
    expect(sim.timers.size).toBe(0);
    expect(refused(() => sim.apply({ type: 'retry', from: 'call' })).message).toMatch(
      /retried from where it stopped/,
    );
    sim.apply({ type: 'retry' });
    expect(sim.state.meta.status).toBe('running');
    expect(sim.machine.state).toBe('b');
    expect(sim.inflight).toMatchObject([
      { path: first.path, attempt: 2, idempotencyKey: first.idempotencyKey },
    ]);
    expect([...sim.timers.values()].map((t) => [t.path, t.dueAt - sim.now])).toEqual([
      ['b', 60_000],
    ]);
    sim.answer({ n: 7 });
    expect(sim.inflight).toMatchObject([
      { path: 'entry[1].next', params: { url: 'https://x.example/7' } },
    ]);
    sim.answer();
    expect(sim.state.meta.status).toBe('waiting');
    sim.fire([...sim.timers.keys()][0]!);
    expect(sim.state.meta.output).toEqual({ state: 'c', context: {} });
  });

  test('compound states: events bubble, entering goes down initial children, exits leaf first', () => {
    const plan = planOf(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: open',
        'states:',
        '  open:',
        '    initial: idle',
        '    on: { CLOSE: closed }',
        '    exit: [ { id: outer, type: noop } ]',
        '    states:',
        '      idle:',
        '        on: { WORK: busy }',
        '      busy:',
        '        exit: [ { id: inner, type: noop } ]',
        '        after: { PT1S: idle }',
        '  closed: { type: final }',
      ),
    );
    const sim = new Sim(plan);
    sim.apply({ type: 'start' });
    expect(sim.machine.state).toBe('open.idle');
    sim.send('WORK');
    expect(sim.machine.state).toBe('open.busy');
    expect(sim.timers.size).toBe(1);
    const e = refused(() => sim.send('WORK'));
    expect(e.details).toEqual({ state: 'open.busy', accepts: ['CLOSE'] });
    sim.send('CLOSE');
    expect(sim.timers.size).toBe(0);
    expect(sim.inflight.map((c) => c.path)).toEqual(['exit[0].inner']);
    sim.answer();
    expect(sim.inflight.map((c) => c.path)).toEqual(['exit[1].outer']);
    sim.answer();
    expect(sim.state.meta.output).toEqual({ state: 'closed', context: {} });
  });

  test('always transitions are taken on entering, in order, and bounded', () => {
    const plan = planOf(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'context: { n: 0 }',
        'states:',
        '  a:',
        '    on: { GO: { target: b, assign: { n: "{{ event.data }}" } } }',
        '  b:',
        '    always:',
        '      - { target: big, guard: "context.n > 10" }',
        '      - { target: b, guard: "context.n < 0" }',
        '      - small',
        '  big: { type: final }',
        '  small: { type: final }',
      ),
    );
    const small = new Sim(plan);
    small.apply({ type: 'start' });
    small.send('GO', 3);
    expect(small.state.meta.output).toEqual({ state: 'small', context: { n: 3 } });
    const big = new Sim(plan);
    big.apply({ type: 'start' });
    big.send('GO', 30);
    expect(big.state.meta.output).toEqual({ state: 'big', context: { n: 30 } });
    const loop = new Sim(plan);
    loop.apply({ type: 'start' });
    loop.send('GO', -1);
    expect(loop.state.meta.status).toBe('failed');
    expect(loop.state.meta.error?.code).toBe('always_loop');
    expect(loop.transitions()).toHaveLength(MAX_ALWAYS + 1);
  });

  test('a run restored from its stored form goes on where it was; an action in flight runs again', () => {
    const sim = new Sim(ORDER, { total: 10 });
    sim.apply({ type: 'start' });
    sim.send('PAY', { amount: 10 });
    sim.send('SHIP');
    const before = sim.inflight[0];
    sim.restore(sim.stored());
    expect(sim.machine.state).toBe('paid');
    expect(sim.machine.queue).toEqual([{ event: { type: 'SHIP' } }]);
    expect(sim.inflight).toMatchObject([
      { path: before?.path, attempt: 2, idempotencyKey: before?.idempotencyKey },
    ]);
    sim.answer();
    expect(sim.machine.state).toBe('shipped');
  });

  test('a guard that cannot be evaluated fails the run', () => {
    const plan = planOf(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'states:',
        '  a: { on: { GO: { target: b, guard: "$number(\'x\') > 1" } } }',
        '  b: { type: final }',
      ),
    );
    const sim = new Sim(plan);
    sim.apply({ type: 'start' });
    sim.send('GO');
    expect(sim.state.meta.status).toBe('failed');
    expect(sim.state.meta.error?.message).toMatch(/^guard of a: /);
  });

  test('events go to state machines only', () => {
    const graph = planOf(yaml('id: g', 'nodes:', '  - { id: a, type: noop }'));
    const sim = new Sim(graph);
    expect(() => sim.send('GO')).toThrow(/takes no events/);
  });
});
