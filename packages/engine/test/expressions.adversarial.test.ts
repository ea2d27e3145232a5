/**
 * Hostile expressions and schema patterns through the Engine library (issue 17, section 1): an
 * unauthenticated webhook call and a workflow's own expressions must neither freeze nor kill the
 * process. A `setInterval` probe measures the longest event-loop stall while each runs.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Engine, WeftError } from '../src/index.js';
import { tempDb, yaml } from './helpers.js';

let engine: Engine;
beforeEach(async () => {
  engine = await Engine.open({ db: tempDb() });
});
afterEach(async () => {
  await engine.close();
});

/** Runs `fn` while a 2 ms interval records the longest gap between its ticks. */
async function withProbe<T>(fn: () => Promise<T>): Promise<{ value: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 2);
  try {
    const value = await fn();
    // The gap since the last tick counts too, had no tick fired at all.
    return { value, stall: Math.max(stall, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

it('adversarial: a catastrophic inputs pattern meets a hostile webhook body quickly', async () => {
  await engine.publish(yaml`
id: patterned
inputs: { type: object, properties: { s: { type: string, pattern: "^(a+)+$" } } }
triggers: [{ type: webhook, path: patterned }]
nodes: [{ id: a, type: noop }]
`);
  const { value, stall } = await withProbe(async () => {
    try {
      await engine.webhooks.deliver({
        tenant: 'default',
        path: 'patterned',
        method: 'POST',
        rawBody: JSON.stringify({ s: `${'a'.repeat(50)}!` }),
        headers: {},
      });
      return 'accepted';
    } catch (e) {
      return WeftError.is(e) ? e.code : String(e);
    }
  });
  expect(value).toBe('invalid_input');
  console.log(`adversarial webhook pattern: stall ${stall.toFixed(1)} ms`);
  expect(stall).toBeLessThan(1500);
});

it('adversarial: a pattern the linear engine cannot run is refused at publish, by name', async () => {
  await expect(
    engine.publish(yaml`
id: backref
inputs: { type: object, properties: { s: { type: string, pattern: "(a)\\\\1" } } }
nodes: [{ id: a, type: noop }]
`),
  ).rejects.toMatchObject({
    code: 'invalid_definition',
    message: expect.stringContaining('(a)\\1'),
  });
});

it('adversarial: an allocation bomb fails its run with expression_limit; the process lives', async () => {
  await engine.publish(yaml`
id: bomb
nodes:
  - id: grow
    type: transform
    with:
      expression: '( $f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("ab", 40)) )'
`);
  const { value: run, stall } = await withProbe(async () => {
    const { id } = await engine.start('bomb', {});
    return engine.wait(id);
  });
  expect(run.status).toBe('failed');
  expect(JSON.stringify(run.error)).toContain('expression_limit');
  console.log(`adversarial engine bomb: stall ${stall.toFixed(1)} ms`);
  expect(stall).toBeLessThan(1500);
});
