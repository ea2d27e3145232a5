/**
 * @module translate/compilation
 * The state of one document's translation, which every part of the translator writes to: the
 * findings, the node ids taken, the functions being called, and the graph level a node is added
 * to. The task walker is handed in, so that the task families that hold task lists (`do`, `for`,
 * `fork`, `try`, a function's body) reach it without importing it.
 */
import type { Finding } from '@weft/core';
import { DataFlow } from './data-flow.js';
import { expressionFindings, valueFindings } from './expressions.js';
import { nodeId } from './naming.js';
import {
  isObj,
  type Compiled,
  type Exit,
  type Frame,
  type Obj,
  type Path,
  type Scope,
  type Site,
  type WeftNode,
} from './types.js';

export interface Walker {
  /** A list of named tasks: the exits that leave it (`continue`/`exit`) and those that `end`. */
  list(
    cx: Compilation,
    value: unknown,
    path: Path,
    pointer: string,
    incoming: Exit[],
    scope: Scope,
  ): Compiled;
  /** One task, reached by `incoming`. */
  task(cx: Compilation, site: Site, incoming: Exit[], scope: Scope): Compiled;
}

/** How a family compiles a task of one node, which takes the task's filters itself. */
export type Family = (
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  frame: Frame,
) => Compiled;

/** How a family compiles a task of several nodes, whose filters are nodes around it. */
export type Composite = (
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  then: string,
) => Compiled;

export class Compilation {
  readonly findings: Finding[] = [];
  private readonly ids = new Map<string, number>();
  readonly flow = new DataFlow(this.ids);
  /** The document's `use`: its functions, errors and retry policies by name. */
  readonly use: Obj;
  /** Functions being compiled, to refuse one that calls itself. */
  readonly calling = new Set<string>();

  constructor(
    readonly doc: Obj,
    private readonly walker: Walker,
  ) {
    this.use = isObj(doc['use']) ? doc['use'] : {};
  }

  list(value: unknown, path: Path, pointer: string, incoming: Exit[], scope: Scope): Compiled {
    return this.walker.list(this, value, path, pointer, incoming, scope);
  }

  task(site: Site, incoming: Exit[], scope: Scope): Compiled {
    return this.walker.task(this, site, incoming, scope);
  }

  /** A feature of the DSL that Weft does not compile: refused where it is written. */
  unsupported(path: Path, what: string): void {
    this.findings.push({
      path,
      severity: 'error',
      at: 'key',
      message: `${what} is not supported by Weft's Serverless Workflow compiler yet`,
    });
  }

  error(path: Path, message: string, at: 'key' | 'value' = 'value'): void {
    this.findings.push({ path, severity: 'error', message, at });
  }

  hasErrors(): boolean {
    return this.findings.some((f) => f.severity === 'error');
  }

  /** Checks a field that is an expression, wrapped in `${ }` or, when `bare`, not. */
  checkExpression(path: Path, value: unknown, bare: boolean): void {
    this.findings.push(...expressionFindings(path, value, bare));
  }

  /** Checks every `${ }` string in a value, at any depth. */
  checkValue(path: Path, value: unknown): void {
    this.findings.push(...valueFindings(path, value));
  }

  /** A fresh node id from a task name, unique in the whole definition. */
  id(name: string): string {
    return nodeId(name, this.ids);
  }

  /** A node of the task at `site`, its id made from the task's name and `suffix`. */
  node(site: Site, type: string, suffix = '', params?: Obj): WeftNode {
    return {
      id: this.id(`${site.name}${suffix}`),
      type,
      name: site.name,
      description: site.pointer,
      ...(params === undefined ? {} : { with: params }),
    };
  }

  /** Adds a node after `incoming`, reading their data as its `input` unless `readsInput` is off. */
  add(scope: Scope, node: WeftNode, incoming: Exit[], readsInput = true): WeftNode {
    const real = incoming.filter((e) => e.from !== '');
    if (real.length > 1) node.join = 'any';
    if (readsInput && node.type !== 'wait' && node.type !== 'subworkflow') {
      node.with = { input: this.flow.template(incoming), ...node.with };
      const context = this.flow.contextTemplate(incoming);
      const task =
        node.name === undefined ? {} : { task: { name: node.name, reference: node.description } };
      const vars = { ...scope.vars, ...task, ...(context === undefined ? {} : { context }) };
      if (node.with['vars'] === undefined) node.with['vars'] = vars;
    }
    scope.level.nodes.push(node);
    for (const e of real)
      scope.level.edges.push({ from: e.from, ...(e.port ? { port: e.port } : {}), to: node.id });
    return node;
  }
}
