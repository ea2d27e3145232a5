/**
 * The Serverless Workflow 1.0 conformance kit (CTK): its 11 features (21 scenarios) run through
 * the real engine, in process, on a real SQLite file. The HTTP hosts the scenarios call are mapped
 * to a local stub server (stub.ts); nothing reaches the network.
 *
 * Prints `CTK: N/21 scenarios passed` and the failing ones with why; the count may only go up.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '@weft/engine';
import { parseFeature, type Scenario } from './gherkin.js';
import { mapHosts, startStub, type Stub } from './stub.js';

const FEATURES = new URL(
  '../../../shared/corpora/serverless-workflow/ctk/features/',
  import.meta.url,
);

/** Scenarios passing now: the floor this suite keeps (the issue asks for at least 19). */
const PASSING_AT_LEAST = 21;

let engine: Engine;
let stub: Stub;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

beforeAll(async () => {
  stub = await startStub();
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'weft-ctk-'));
  engine = await Engine.open({ db: join(dir, 'ctk.db') });
});

afterAll(async () => {
  await engine.close();
  await stub.close();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

interface Outcome {
  status: string;
  output: unknown;
  error: { code?: string; message?: string; details?: unknown } | null;
  /** Task names in the order their nodes started. */
  order: string[];
}

const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, k) =>
        typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined,
      value,
    );
const has = (value: unknown, path: string): boolean => {
  const parts = path.split('.');
  const last = parts.pop() ?? '';
  const parent = parts.length === 0 ? value : get(value, parts.join('.'));
  return typeof parent === 'object' && parent !== null && last in parent;
};

async function execute(definition: string, input: unknown): Promise<Outcome> {
  const text = mapHosts(definition, stub.url);
  const checked = engine.validate(text);
  if (!checked.ok)
    throw new Error(
      checked.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; '),
    );
  const names = new Map(
    checked.definition.nodes.flatMap((n) =>
      n.name === undefined ? [] : [[n.id, n.name] as const],
    ),
  );
  const { id } = await engine.publish(text);
  const run = await engine.run(id, { input: input ?? {} });
  const order: string[] = [];
  for await (const e of engine.events(run.id, { follow: false })) {
    const ev = e as { type: string; path?: string; node?: string };
    const path = ev.path ?? ev.node;
    if (ev.type !== 'node.started' || path === undefined) continue;
    const name = names.get(path);
    if (name !== undefined && order[order.length - 1] !== name) order.push(name);
  }
  return {
    status: run.status,
    output: run.output,
    error: run.error as Outcome['error'],
    order,
  };
}

/** Runs one scenario's steps; throws with the step that did not hold. */
async function play(scenario: Scenario): Promise<void> {
  let definition = '';
  let input: unknown = {};
  let outcome: Outcome | undefined;
  const must = (ok: boolean, what: string): void => {
    if (!ok)
      throw new Error(
        `${what} (status ${outcome?.status}, output ${JSON.stringify(outcome?.output)}, error ${JSON.stringify(outcome?.error)})`,
      );
  };
  for (const step of scenario.steps) {
    const t = step.text;
    const doc = step.docString === undefined ? undefined : (parse(step.docString) as unknown);
    let m: RegExpExecArray | null;
    if (/^a workflow with definition:$/.test(t)) definition = step.docString ?? '';
    else if (/^given the workflow input is:$/.test(t)) input = doc;
    else if (/^the workflow is executed$/.test(t)) outcome = await execute(definition, input);
    else if (outcome === undefined) throw new Error(`step before execution: ${t}`);
    else if (/^the workflow should complete$/.test(t))
      must(outcome.status === 'succeeded', 'should complete');
    else if (/^the workflow should complete with output:$/.test(t)) {
      must(outcome.status === 'succeeded', 'should complete');
      must(isDeepStrictEqual(outcome.output, doc), `output should be ${JSON.stringify(doc)}`);
    } else if (/^the workflow should fault$/.test(t))
      must(outcome.status === 'failed', 'should fault');
    else if (/^the workflow should fault with error:$/.test(t)) {
      must(outcome.status === 'failed', 'should fault');
      const details = (outcome.error?.details ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(doc as Record<string, unknown>))
        must(isDeepStrictEqual(details[k], v), `error ${k} should be ${JSON.stringify(v)}`);
    } else if ((m = /^the workflow output should have properties (.*)$/.exec(t)) !== null) {
      for (const p of (m[1] ?? '').matchAll(/'([^']+)'/g))
        must(has(outcome.output, p[1] ?? ''), `output should have ${p[1]}`);
    } else if (
      (m = /^the workflow output should have a '([^']+)' property with value:$/.exec(t)) !== null
    ) {
      must(
        isDeepStrictEqual(get(outcome.output, m[1] ?? ''), doc),
        `${m[1]} should be ${JSON.stringify(doc)}`,
      );
    } else if (
      (m = /^the workflow output should have a '([^']+)' property containing (\d+) items$/.exec(
        t,
      )) !== null
    ) {
      const v = get(outcome.output, m[1] ?? '');
      must(Array.isArray(v) && v.length === Number(m[2]), `${m[1]} should hold ${m[2]} items`);
    } else if ((m = /^(\S+) should run first$/.exec(t)) !== null)
      must(
        outcome.order[0] === m[1],
        `${m[1]} should run first (order ${outcome.order.join(', ')})`,
      );
    else if ((m = /^(\S+) should run last$/.exec(t)) !== null)
      must(
        outcome.order[outcome.order.length - 1] === m[1],
        `${m[1]} should run last (order ${outcome.order.join(', ')})`,
      );
    else if ((m = /^(\S+) should run after (\S+)$/.exec(t)) !== null) {
      const a = outcome.order.indexOf(m[1] ?? '');
      const b = outcome.order.indexOf(m[2] ?? '');
      must(a > b && b >= 0, `${m[1]} should run after ${m[2]} (order ${outcome.order.join(', ')})`);
    } else throw new Error(`no step definition for: ${t}`);
  }
}

it('runs the Serverless Workflow conformance kit offline', async () => {
  const files = readdirSync(FEATURES)
    .filter((f) => f.endsWith('.feature'))
    .sort();
  const scenarios = files.flatMap((f) => parseFeature(readFileSync(new URL(f, FEATURES), 'utf8')));
  expect(scenarios).toHaveLength(21);
  const failed: string[] = [];
  for (const s of scenarios) {
    try {
      await play(s);
    } catch (e) {
      failed.push(`${s.feature} / ${s.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const passed = scenarios.length - failed.length;
  console.log(`CTK: ${passed}/${scenarios.length} scenarios passed`);
  for (const f of failed) console.log(`  failed: ${f}`);
  // Every call the scenarios made went to the stub.
  expect(stub.requests.length).toBeGreaterThan(0);
  expect(passed).toBeGreaterThanOrEqual(PASSING_AT_LEAST);
}, 120_000);
