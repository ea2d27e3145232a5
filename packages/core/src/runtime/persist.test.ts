import { describe, expect, it } from 'vitest';
import { fromRecords, toNodeRecord, toRunRecord, type RunIdentity } from './persist.js';
import { createRunState, type FrameState, type NodeState } from './state.js';

const identity: RunIdentity = {
  id: 'r1',
  tenant: 't',
  workflowId: 'wf',
  version: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  priority: 0,
};

const node: NodeState = {
  kind: 'node',
  path: 'each[0].a',
  nodeId: 'a',
  frame: 'each[0]',
  index: 0,
  status: 'succeeded',
  attempts: 2,
  failures: 1,
  resolvedIn: 1,
  takenIn: 1,
  output: { n: 1 },
  port: 'out',
  startedAt: '2025-01-01T00:00:01.000Z',
  finishedAt: '2025-01-01T00:00:02.000Z',
};

const owner: NodeState = {
  kind: 'node',
  path: 'each',
  nodeId: 'each',
  frame: '',
  index: 0,
  status: 'running',
  attempts: 1,
  failures: 0,
  resolvedIn: 0,
  takenIn: 0,
  items: [1],
  started: 1,
  startedAt: '2025-01-01T00:00:01.000Z',
};

const frame: FrameState = {
  kind: 'frame',
  path: 'each[0]',
  owner: 'each',
  nodeId: 'each',
  status: 'succeeded',
  open: 0,
  vars: { item: 1, index: 0 },
  output: { n: 1 },
};

describe('node rows', () => {
  it('keep out of the state JSON what the row has columns for, and load back whole', () => {
    const records = [toNodeRecord('r1', node), toNodeRecord('r1', frame)];
    expect(records[0]?.state).toEqual({
      kind: 'node',
      frame: 'each[0]',
      index: 0,
      failures: 1,
      resolvedIn: 1,
      takenIn: 1,
      port: 'out',
    });
    expect(records[1]?.state).toEqual({
      kind: 'frame',
      owner: 'each',
      open: 0,
      vars: { item: 1, index: 0 },
    });
    const run = toRunRecord(identity, createRunState({ ...meta(), input: {} }).meta);
    const loaded = fromRecords(run, [...records, toNodeRecord('r1', owner)]);
    expect(loaded.nodes.get(node.path)).toEqual(node);
    expect(loaded.nodes.get(frame.path)).toEqual(frame);
    expect(loaded.nodes.get(owner.path)).toEqual(owner);
  });

  it('written with the whole state, as before, still load', () => {
    const whole = (s: NodeState | FrameState) => {
      const { output: _output, error: _error, ...state } = s;
      return { ...toNodeRecord('r1', s), state };
    };
    const run = toRunRecord(identity, createRunState({ ...meta(), input: {} }).meta);
    const loaded = fromRecords(run, [whole(owner), whole(frame), whole(node)]);
    expect(loaded.nodes.get(node.path)).toEqual(node);
    expect(loaded.nodes.get(frame.path)).toEqual(frame);
  });
});

describe('the top frame row', () => {
  it("leaves out an output that is the run's, and loads it back from the run row", () => {
    const output = { answer: 42 };
    const top: FrameState = {
      kind: 'frame',
      path: '',
      owner: '',
      nodeId: '',
      status: 'succeeded',
      open: 0,
      vars: {},
      output,
    };
    const m = createRunState({ ...meta(), input: {} }).meta;
    m.status = 'succeeded';
    m.output = output;
    const record = toNodeRecord('r1', top, m.output);
    expect(record.output).toBeUndefined();
    const loaded = fromRecords(toRunRecord(identity, m), [record]);
    expect(loaded.nodes.get('')).toEqual(top);
    expect(loaded.nodes.get('')?.output).toBe(loaded.meta.output);
    // An output of its own (the run's comes from `outputs:`) stays in the row.
    expect(toNodeRecord('r1', top, { answer: 42 }).output).toBe(output);
    expect(toNodeRecord('r1', { ...frame, output }, output).output).toBe(output);
  });
});

describe('run rows', () => {
  it('reuse the previous state object while nothing in it changed', () => {
    const m = createRunState({ ...meta(), input: {}, hostAllow: ['10.0.0.1'] }).meta;
    const first = toRunRecord(identity, m);
    m.seq = 5;
    m.status = 'running';
    m.hostAllow = ['10.0.0.1'];
    const second = toRunRecord(identity, m, first);
    expect(second.state).toBe(first.state);
    for (const change of [
      () => (m.executing = 1),
      () => m.queue.push('a'),
      () => (m.paused = true),
      () => (m.hostAllow = ['10.0.0.2']),
    ]) {
      const before = toRunRecord(identity, m, second);
      change();
      const after = toRunRecord(identity, m, before);
      expect(after.state).not.toBe(before.state);
      expect(after.state).toEqual(toRunRecord(identity, m).state);
    }
  });
});

function meta() {
  return { runId: 'r1', workflowId: 'wf', version: 1 };
}
