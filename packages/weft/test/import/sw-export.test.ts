/**
 * `exportSw` on every example: each document validates against the Serverless Workflow 1.0 JSON
 * Schema of the corpus beside the repository (`../shared/corpora/serverless-workflow/`), what
 * does not map is named, and for the examples that map, the exported document, run by the engine
 * as the SW document it is, gives the outputs the Weft run gives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeRegistry, parseDefinition } from '@weft/core';
import { Engine } from '@weft/engine';
import { exportSw, toYaml } from '@weft/importers';
import { standardNodes } from '@weft/nodes';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const corpus = `${root}../shared/corpora/serverless-workflow/`;
// Examples that are SW documents already (`*.sw.yaml`) are not Weft graphs to export.
const examples = readdirSync(`${root}examples`).filter(
  (f) => f.endsWith('.yaml') && !f.endsWith('.sw.yaml'),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schema = ajv.compile(parse(readFileSync(`${corpus}schema/workflow.yaml`, 'utf8')));
const schemaErrors = (doc: unknown) =>
  schema(doc) ? [] : (schema.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

function exported(file: string) {
  const text = readFileSync(`${root}examples/${file}`, 'utf8');
  const r = parseDefinition(text, { registry: new NodeRegistry(standardNodes) });
  if (!r.ok) throw new Error(`${file} does not validate`);
  return exportSw(r.definition, text);
}

/** What does not map in each example, as kind:id. */
const NOT_MAPPED: Record<string, string[]> = {
  // Its outputs filter the agent's steps (a JSONata predicate): no jq form here.
  'agent.yaml': ['agent:assistant', 'expression:outputs'],
  'code-python.yaml': ['code:score'],
  'code.yaml': ['code:totals', 'code:shipping'],
  'errors.yaml': ['fail:broken'],
  'human.yaml': ['human:approve'],
  'knowledge.yaml': ['knowledge:add', 'knowledge:find'],
  'llm.yaml': ['llm:reply', 'llm:facts'],
  'mcp-tool.yaml': ['tool:order', 'tool:quantity'],
  'memory.yaml': ['memory:remember', 'memory:recall'],
  'order.yaml': ['state-machine:order'],
  'rag.yaml': ['knowledge:learn', 'knowledge:find', 'llm:answer'],
  'support-triage.yaml': ['llm:classify', 'agent:shipping', 'llm:reply'],
  'token-budget.yaml': ['llm:summarize'],
};

describe('weft export sw: every example', () => {
  it('the schema check knows valid from invalid documents (corpus examples and invalid fixtures)', () => {
    for (const f of readdirSync(`${corpus}examples`)) {
      expect([
        f,
        schemaErrors(parse(readFileSync(`${corpus}examples/${f}`, 'utf8'), { uniqueKeys: false })),
      ]).toEqual([f, []]);
    }
    const invalid = `${corpus}.ci/validation/test/fixtures/invalid/`;
    for (const f of readdirSync(invalid))
      expect(
        schemaErrors(parse(readFileSync(`${invalid}${f}`, 'utf8'), { uniqueKeys: false })),
      ).not.toEqual([]);
  });

  it.each(examples)('%s: a valid SW 1.0 document; what does not map is named', (file) => {
    const t = exported(file);
    expect(schemaErrors(t.document)).toEqual([]);
    // The YAML a user gets reads back as the same document.
    expect(parse(toYaml(t.document, t.notes))).toEqual(t.document);
    const names = t.unsupported.map((u) => `${u.kind}:${u.id}`);
    const expected = NOT_MAPPED[file] ?? [];
    expect(names.sort()).toEqual([...expected].sort());
    for (const u of t.unsupported) expect(u.position?.line).toBeGreaterThan(0);
  });
});

describe('weft export sw: round trip (the engine runs the exported document)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open({ db: ':memory:' });
  });
  afterAll(() => engine.close());

  /** The outputs of the Weft run and of the run of its SW export, both succeeded. */
  async function both(
    text: string,
    document: Parameters<typeof toYaml>[0],
    notes: Parameters<typeof toYaml>[1],
    input = {},
  ) {
    const weft = await engine.run(text, { input });
    expect(weft.status).toBe('succeeded');
    const sw = await engine.run(toYaml(document, notes), { input });
    expect([sw.status, sw.error]).toEqual(['succeeded', null]);
    return { weft: weft.output, sw: sw.output };
  }

  const cases: [string, Record<string, unknown>][] = [
    ['hello.yaml', {}],
    ['hello.yaml', { name: 'Ada' }],
    ['branching.yaml', { amount: 250, kind: 'refund' }],
    ['branching.yaml', { amount: 50, kind: 'charge' }],
    ['branching.yaml', { amount: 5, kind: 'other' }],
    ['foreach.yaml', {}],
    ['foreach.yaml', { words: [] }],
    ['loop.yaml', {}],
    ['loop.yaml', { target: 100 }],
    ['loop.yaml', { target: 1 }],
  ];

  it.each(cases)('%s %j', async (file, input) => {
    const t = exported(file);
    expect(t.unsupported).toEqual([]);
    const text = readFileSync(`${root}examples/${file}`, 'utf8');
    const r = await both(text, t.document, t.notes, input);
    expect(r.sw).toEqual(r.weft);
  });

  it('errors handled by on_error continue and return, a when, an if chain and a foreach of objects', async () => {
    const text = `
id: handled
inputs:
  type: object
  properties:
    orders: { type: array, default: [{ id: a, qty: 2 }, { id: b, qty: 0 }] }
nodes:
  - { id: noted, type: fail, with: { code: out_of_stock, message: none left }, on_error: continue }
  - { id: fallback, type: fail, with: { message: ignored }, on_error: { return: { used: true } } }
  - id: each
    type: foreach
    with: { items: inputs.orders }
    nodes:
      - { id: empty, type: if, with: { condition: "item.qty = 0" } }
      - { id: skip, type: set, needs: [{ node: empty, port: "true" }], with: { values: { id: "{{ item.id }}", skipped: true } } }
      - { id: keep, type: set, needs: [{ node: empty, port: "false" }], with: { values: { id: "{{ item.id }}", n: "{{ item.qty * 10 }}" } } }
  - { id: late, type: set, needs: [each], when: "$count(each) > 5", with: { values: { never: true } } }
  - id: done
    type: end
    needs: [noted, fallback, each, late]
    with:
      values:
        code: "{{ noted.error.code }}"
        message: "{{ noted.error.message }}"
        used: "{{ fallback.used }}"
        each: "{{ each }}"
        late: "{{ late ? 'ran' : 'skipped' }}"
`;
    const r = parseDefinition(text, { registry: new NodeRegistry(standardNodes) });
    expect(r.ok ? [] : r.diagnostics).toEqual([]);
    if (!r.ok) return;
    const t = exportSw(r.definition, text);
    expect(t.unsupported).toEqual([]);
    expect(schemaErrors(t.document)).toEqual([]);
    const out = await both(text, t.document, t.notes);
    expect(out.sw).toEqual(out.weft);
  });

  it('wait.yaml: the same outputs, two timestamps', async () => {
    const t = exported('wait.yaml');
    const text = readFileSync(`${root}examples/wait.yaml`, 'utf8');
    const { sw } = await both(text, t.document, t.notes);
    const out = sw as Record<string, string>;
    expect(Object.keys(out)).toEqual(['started', 'resumed']);
    for (const v of Object.values(out)) expect(Number.isNaN(Date.parse(v))).toBe(false);
  });
});
