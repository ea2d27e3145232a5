import { describe, expect, test } from 'vitest';
import type { Diagnostic } from './diagnostic.js';
import { parseDefinition } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

function diagnostics(text: string): Diagnostic[] {
  const r = parseDefinition(text, { registry });
  return r.ok ? [] : r.diagnostics;
}

const brief = (d: Diagnostic[]) => d.map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`);

describe('state-machine validation', () => {
  test('compound states, guarded candidate lists and always transitions validate', () => {
    const d = diagnostics(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: open',
        'context: { n: 0 }',
        'states:',
        '  open:',
        '    initial: idle',
        '    on: { CLOSE: closed }',
        '    states:',
        '      idle:',
        '        on:',
        '          GO:',
        '            - { target: busy, guard: "event.n > 10", assign: { n: "{{ event.n }}" } }',
        '            - idle',
        '      busy:',
        '        always: [ { target: done, guard: "context.n > 100" } ]',
        '        after: { PT5S: idle }',
        '      done: { type: final }',
        '  closed: { type: final }',
      ),
    );
    expect(brief(d)).toEqual([]);
  });

  test('every problem at once, each with its position', () => {
    const d = diagnostics(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'states:',
        '  a:',
        '    on:',
        '      GO: { target: nowhere, guard: "event.x >" }',
        '      BACK: [ { target: a, assign: { n: "{{ 1 + }}" } } ]',
        '    after: { soon: a }',
        '    entry:',
        '      - { id: h, type: http, with: { method: FETCH, url: "https://example.com" }, on_error: branch }',
        '  lost: { type: final }',
        '  box:',
        '    states:',
        '      inner: {}',
      ),
    );
    expect(brief(d)).toEqual([
      '4:1 states: no final state can be reached from the initial state',
      '7:21 states.a.on.GO.target: unknown state `nowhere`',
      '7:47 states.a.on.GO.guard: invalid expression: Unexpected end of expression',
      '8:49 states.a.on.BACK[0].assign.n: invalid template: Unexpected end of expression',
      '9:14 states.a.after.soon: `soon` is not a delay: use an ISO 8601 duration (PT30S, P7D) or milliseconds',
      '11:46 states.a.entry[0].with.method: must be one of GET, POST, PUT, PATCH, DELETE',
      '11:93 states.a.entry[0].on_error: state actions have no ports to branch to: use fail, continue or { return: <value> }',
      '12:3 states.lost: state `lost` is unreachable: no transition from the initial state leads to it',
      '13:3 states.box: state `box` is unreachable: no transition from the initial state leads to it',
      '14:5 states.box.initial: compound state `box` needs an `initial` child state',
      '15:7 states.box.states.inner: state `box.inner` is unreachable: no transition from the initial state leads to it',
    ]);
  });

  test('targets resolve to the nearest state of that name, or to a dotted path from the top', () => {
    const d = diagnostics(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'states:',
        '  a:',
        '    initial: x',
        '    states:',
        '      x: { on: { NEXT: y, OUT: b.z } }',
        '      y: { on: { NEXT: x, UP: b } }',
        '  b:',
        '    initial: z',
        '    states:',
        '      z: { on: { NEXT: x, END: end } }',
        '  end: { type: final }',
      ),
    );
    expect(brief(d)).toEqual([
      '13:24 states.b.states.z.on.NEXT: unknown state `x` (did you mean `a.x`?)',
    ]);
  });

  test('a state machine has no outputs: its output is its final state and context', () => {
    const d = diagnostics(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a',
        'outputs: { x: "{{ context.x }}" }',
        'states:',
        '  a: { type: final }',
      ),
    );
    expect(brief(d)).toEqual([
      '4:1 outputs: a state-machine workflow has no `outputs`: its output is its final state and its `context`',
    ]);
  });

  test('a final state has no transitions and no children; state names hold no dot', () => {
    const d = diagnostics(
      yaml(
        'id: m',
        'kind: state-machine',
        'initial: a.b',
        'states:',
        '  a.b: { on: { GO: end }, after: { P200Y: end } }',
        '  end: { type: final, on: { GO: end } }',
      ),
    );
    expect(brief(d).map((s) => s.replace(/^\d+:\d+ /, ''))).toEqual(
      expect.arrayContaining([
        'states["a.b"]: state name `a.b` cannot hold `.`: it separates the names of a path',
        'states.end.on: final state `end` cannot have transitions',
        'states["a.b"].after.P200Y: `P200Y` is longer than the longest delay, 100 years',
      ]),
    );
  });
});
