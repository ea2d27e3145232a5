/**
 * The event union is closed: the decider can only emit declared types with their declared data
 * (the `@ts-expect-error` lines fail `npm run typecheck` once they compile), and what it emits on
 * real runs passes the event guards.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { compile } from './compile/compile.js';
import type { WorkflowDefinition } from './dsl/types.js';
import {
  isRunEvent,
  isRunEventType,
  isTerminalEvent,
  RUN_EVENT_TYPES,
  type RunEvent,
  type RunEventOf,
  type RunEventType,
} from './events.js';
import { NodeRegistry } from './nodes/registry.js';
import { defineNode } from './nodes/types.js';
import { decide } from './runtime/decide.js';
import type { Decider } from './runtime/decider.js';
import { createRunState } from './runtime/state.js';

const registry = new NodeRegistry([
  defineNode({ type: 'task', description: 'test', params: z.object({}).passthrough() }),
]);

/** Starts, pauses and resumes a run, then answers every execution with a result or an error. */
function run(definition: WorkflowDefinition, fail: boolean): RunEvent[] {
  const plan = compile(definition, registry);
  const state = createRunState({ runId: 'r', workflowId: definition.id, version: 1, input: {} });
  const log: RunEvent[] = [];
  const started = decide(plan, state, { type: 'start', at: 0 });
  log.push(...started.events);
  log.push(...decide(plan, state, { type: 'pause', at: 1 }).events);
  log.push(...decide(plan, state, { type: 'resume', at: 2 }).events);
  let pending = started.commands;
  for (let at = 3; pending.length > 0; at++) {
    const next = [];
    for (const c of pending) {
      if (c.type !== 'execute') continue;
      const { path, attempt } = c;
      const d = decide(
        plan,
        state,
        fail
          ? { type: 'node.error', path, attempt, error: { code: 'node_error', message: 'no' }, at }
          : { type: 'node.result', path, attempt, output: { ok: true }, at },
      );
      log.push(...d.events);
      next.push(...d.commands);
    }
    pending = next;
  }
  return log;
}

describe('run events', () => {
  it('lists every declared type once', () => {
    expectTypeOf<(typeof RUN_EVENT_TYPES)[number]>().toEqualTypeOf<RunEventType>();
    expect(new Set(RUN_EVENT_TYPES).size).toBe(RUN_EVENT_TYPES.length);
    expect(RUN_EVENT_TYPES).toHaveLength(19);
    expect(isRunEventType('node.started')).toBe(true);
    expect(isRunEventType('node.result')).toBe(false);
  });

  it('types emit against the union: undeclared types, missing nodes and wrong data do not compile', () => {
    const emit: Decider['emit'] = () => undefined;
    emit('run.paused');
    emit('run.cancelled', undefined, { reason: 'by hand' });
    emit('node.skipped', 'a', { reason: 'when' });
    // @ts-expect-error an event type the union does not declare
    emit('node.exploded', 'a', {});
    // @ts-expect-error data of the wrong shape
    emit('node.skipped', 'a', { reason: 'because' });
    // @ts-expect-error a node event needs its node
    emit('node.started', undefined, { type: 'task', attempt: 1 });
    // @ts-expect-error a run event has no node
    emit('run.started', 'a', { workflow: 'w', version: 1 });
  });

  it('gives readers typed data by type', () => {
    expectTypeOf<RunEventOf<'node.failed'>['data']['error']['code']>().toEqualTypeOf<string>();
    expectTypeOf<RunEventOf<'node.failed'>['node']>().toEqualTypeOf<string>();
    expectTypeOf<RunEventOf<'run.succeeded'>['node']>().toEqualTypeOf<undefined>();
  });

  it('emits only declared events, and one terminal event last, on runs that succeed and fail', () => {
    const definition: WorkflowDefinition = {
      id: 'w',
      nodes: [
        { id: 'a', type: 'task' },
        { id: 'b', type: 'task' },
      ],
      edges: [{ from: 'a', to: 'b' }],
    };
    for (const fail of [false, true]) {
      const events = run(definition, fail);
      expect(events.every(isRunEvent)).toBe(true);
      const terminal = events.filter(isTerminalEvent);
      expect(terminal.map((e) => e.type)).toEqual([fail ? 'run.failed' : 'run.succeeded']);
      expect(events.at(-1)).toBe(terminal[0]);
    }
  });

  it('reads foreign values safely', () => {
    expect(isRunEvent({ seq: 1, at: 'x', type: 'node.started' })).toBe(true);
    expect(isRunEvent({ seq: '1', at: 'x', type: 'node.started' })).toBe(false);
    expect(isRunEvent({ seq: 1, at: 'x', type: 'node.exploded' })).toBe(false);
    expect(isRunEvent(null)).toBe(false);
  });
});
