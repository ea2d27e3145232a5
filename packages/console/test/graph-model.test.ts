/**
 * Drawing definitions: the stored form (edges) and the written one (needs) draw alike, ports label
 * their edges, bodies become groups, and a state machine's targets are found as the language reads
 * them (siblings, then outward; dotted paths from the top).
 */
import { describe, expect, it } from 'vitest';
import { drawingOf } from '../src/graph/model.js';

describe('drawing a graph workflow', () => {
  it('reads needs and edges alike, with ports as labels and bodies as groups', () => {
    const d = drawingOf({
      id: 'w',
      nodes: [
        { id: 'check', type: 'if', with: { condition: 'inputs.ok' } },
        { id: 'yes', type: 'set', needs: [{ node: 'check', port: 'true' }] },
        { id: 'no', type: 'set' },
        {
          id: 'each',
          type: 'foreach',
          needs: ['yes'],
          with: { items: 'inputs.xs' },
          nodes: [
            { id: 'a', type: 'noop' },
            { id: 'b', type: 'noop', needs: ['a'] },
          ],
        },
      ],
      edges: [
        { from: 'check', port: 'false', to: 'no' },
        { from: 'check', port: 'true', to: 'yes' },
      ],
    });
    expect(d.kind).toBe('graph');
    expect(d.boxes.map((b) => [b.id, b.kind, b.parent ?? null])).toEqual([
      ['check', 'node', null],
      ['yes', 'node', null],
      ['no', 'node', null],
      ['each', 'group', null],
      ['each/a', 'node', 'each'],
      ['each/b', 'node', 'each'],
    ]);
    expect(d.boxes.find((b) => b.id === 'check')?.ports).toEqual(['true', 'false']);
    expect(d.boxes.find((b) => b.id === 'each/b')?.segments).toEqual(['each', 'b']);
    expect(d.arrows.map((a) => [a.source, a.target, a.label ?? null]).sort()).toEqual(
      [
        ['check', 'no', 'false'],
        ['check', 'yes', 'true'],
        ['each/a', 'each/b', null],
        ['yes', 'each', null],
      ].sort(),
    );
  });

  it('leaves out what a half-written definition cannot give', () => {
    expect(drawingOf(undefined).boxes).toEqual([]);
    const d = drawingOf({ nodes: [{ id: 'a' }, { type: 'set' }, 'x', { id: 'b', needs: ['zz'] }] });
    expect(d.boxes.map((b) => b.id)).toEqual(['a', 'b']);
    expect(d.arrows).toEqual([]);
  });
});

describe('drawing a state machine', () => {
  it('draws states, compound states as groups, and transitions with their events', () => {
    const d = drawingOf({
      id: 'order',
      kind: 'state-machine',
      initial: 'created',
      states: {
        created: { on: { PAY: { target: 'shipping', guard: 'true' }, CANCEL: 'done' } },
        shipping: {
          initial: 'packing',
          on: { CANCEL: 'done' },
          states: {
            packing: { on: { PACKED: 'sent' }, after: { PT1H: 'shipping.late' } },
            sent: { always: 'done' },
            late: {},
          },
        },
        done: { type: 'final' },
      },
    });
    expect(d.kind).toBe('state-machine');
    const kinds = Object.fromEntries(d.boxes.map((b) => [b.id, [b.kind, b.parent ?? null]]));
    expect(kinds).toEqual({
      '#start': ['start', null],
      created: ['state', null],
      shipping: ['compound', null],
      'shipping#start': ['start', 'shipping'],
      'shipping.packing': ['state', 'shipping'],
      'shipping.sent': ['state', 'shipping'],
      'shipping.late': ['state', 'shipping'],
      done: ['final', null],
    });
    expect(d.arrows.map((a) => `${a.source} -${a.label}-> ${a.target}`).sort()).toEqual(
      [
        '#start --> created',
        'created -PAY-> shipping',
        'created -CANCEL-> done',
        'shipping -CANCEL-> done',
        'shipping#start --> shipping.packing',
        'shipping.packing -PACKED-> shipping.sent',
        'shipping.packing -after PT1H-> shipping.late',
        'shipping.sent -always-> done',
      ].sort(),
    );
  });
});
