/**
 * @module translate/document
 * A Serverless Workflow 1.0 document -> a Weft graph definition (plain data), which then goes
 * through Weft's own validation and compiler: one engine runs both languages. This is the
 * document's level: its version, its top-level `input` (`from`, `schema`) and `output.as`, its
 * `schedule`, and the definition made of the compiled `do`.
 *
 * How the DSL maps (docs/serverless-workflow.md has the table): each task is a node (or a few),
 * named after the task, its `description` the task's reference (`/do/0/setRed`), so errors and
 * `weft runs show` point back at the document. Every problem found names the document's path, so
 * it is placed at its line and column.
 */
import type { Finding } from '@weft/core';
import { Compilation } from './compilation.js';
import { inlineSchema } from './filters.js';
import { refuseTopLevel } from './refusals.js';
import { compileTask } from './task.js';
import { compileList } from './task-list.js';
import { isObj, type Exit, type Level, type Obj, type Scope } from './types.js';

const SUPPORTED_VERSION = /^1\.0\.\d+/;

export interface Translation {
  definition?: Obj;
  findings: Finding[];
}

/** Translates a document recognised as Serverless Workflow (it has `document.dsl`). */
export function translate(doc: Obj, schemaFindings: Finding[]): Translation {
  const version = versionFinding(doc);
  if (version !== undefined) return { findings: [version] };
  if (schemaFindings.length > 0) return { findings: schemaFindings };
  const cx = new Compilation(doc, { list: compileList, task: compileTask });
  const document = doc['document'] as Obj;
  const top: Level = { nodes: [], edges: [] };
  const scope: Scope = {
    level: top,
    vars: {
      workflow: { definition: { document }, input: '{{ inputs }}' },
      runtime: { name: 'weft' },
      // Until an `export` sets it.
      context: null,
    },
    inLoop: false,
  };
  refuseTopLevel(cx, doc);
  let start: Exit[] = [{ from: '', data: 'inputs' }];
  const wfInput = isObj(doc['input']) ? doc['input'] : {};
  if (wfInput['from'] !== undefined) {
    cx.checkExpression(['input', 'from'], wfInput['from'], true);
    const id = cx.id('workflow_input');
    cx.add(scope, { id, type: 'jq', with: { from: wfInput['from'] } }, start);
    start = [{ from: id, data: id }];
  }
  const { outs, ends } = cx.list(doc['do'], ['do'], '/do', start, scope);
  const last = [...outs.map((o) => o.exit), ...ends];
  const wfOutput = isObj(doc['output']) ? doc['output'] : {};
  if (wfOutput['as'] !== undefined) cx.checkExpression(['output', 'as'], wfOutput['as'], true);
  if (last.length > 0) {
    cx.add(
      scope,
      {
        id: cx.id('workflow_output'),
        type: 'jq.output',
        with: wfOutput['as'] === undefined ? {} : { as: wfOutput['as'] },
      },
      last,
    );
  }
  if (cx.hasErrors()) return { findings: cx.findings };
  const inputs = inlineSchema(cx, doc['input'], ['input', 'schema']);
  const definition: Obj = {
    id: typeof document['name'] === 'string' ? document['name'].toLowerCase() : 'workflow',
    name: typeof document['title'] === 'string' ? document['title'] : String(document['name']),
    ...(typeof document['summary'] === 'string' ? { description: document['summary'] } : {}),
    ...(isObj(doc['schedule']) && typeof doc['schedule']['cron'] === 'string'
      ? { triggers: [{ type: 'cron', schedule: doc['schedule']['cron'] }] }
      : {}),
    ...(inputs === undefined ? {} : { inputs }),
    nodes: top.nodes,
    edges: top.edges,
  };
  return { definition, findings: cx.findings };
}

/** The version problem of a document, or none. */
export function versionFinding(doc: Obj): Finding | undefined {
  const document = doc['document'];
  const dsl = isObj(document) ? document['dsl'] : undefined;
  if (dsl === undefined && doc['specVersion'] !== undefined) {
    return {
      path: ['specVersion'],
      severity: 'error',
      message: `Serverless Workflow ${JSON.stringify(doc['specVersion'])} is not supported: Weft reads documents of the DSL 1.0 (\`document.dsl: '1.0.x'\`)`,
    };
  }
  if (typeof dsl !== 'string' || !SUPPORTED_VERSION.test(dsl)) {
    return {
      path: ['document', 'dsl'],
      severity: 'error',
      message: `Serverless Workflow DSL ${JSON.stringify(dsl)} is not supported: Weft reads version 1.0.x`,
    };
  }
  return undefined;
}
