/**
 * @module engine/definitions
 * Workflow definitions: validation, publishing and deleting versions, finding the version a
 * reference names, and the compiled plan of each stored version.
 */
import {
  hashDefinition,
  PlanCache,
  WeftError,
  type Clock,
  type Diagnostic,
  type DslLimits,
  type NodeRegistry,
  type ParseResult,
  type Plan,
  type Store,
  type WorkflowDefinition,
} from '@weft/core';
import { syncSchedules } from '../triggers/cron.js';
import { hookKeys } from '../triggers/webhooks.js';
import { validateWorkflow } from '../validate.js';
import { refuseFileReferences } from '../workflow-refs.js';
import { refuseCallCycles } from './call-cycles.js';

/** A stored workflow's id, or a definition (text or object) to publish first. */
export type WorkflowRef = string | WorkflowDefinition;

export interface DefinitionsDeps {
  store: Store;
  registry: NodeRegistry;
  clock: Clock;
  limits: Partial<DslLimits> | undefined;
  /** Tenant when none is given. */
  tenant: string;
  /** Called after a publish or a delete: schedules may have changed. */
  changed: () => void;
  /**
   * Whether child workflows can be named by file path (the CLI's resolver follows them). Without
   * it (the engine `weft serve` runs) they are found by id only.
   */
  resolvesFiles: boolean;
}

/** Bounds the plans kept in memory: a full cache is emptied, and plans are compiled again on need. */
const MAX_CACHED_VERSIONS = 1000;
/** Bounds the latest versions kept in memory, the same way. */
const MAX_CACHED_LATEST = 10_000;

const workflowKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export class Definitions {
  readonly #deps: DefinitionsDeps;
  readonly #plans = new PlanCache();
  readonly #versions = new Map<string, Plan>();
  /**
   * The latest version of each (tenant, workflow), so that a start without a version reads nothing.
   * Only a publish, a delete or a tenant move changes it, and all of them pass here when the store
   * is this process's alone (SQLite's process lock; `:memory:` is private). On a store many
   * processes share (`cluster`), another may publish at any time: nothing is kept then.
   */
  readonly #latest = new Map<string, number>();
  /** Bumped by every change: a lookup that raced with one does not fill the cache. */
  #epoch = 0;

  constructor(deps: DefinitionsDeps) {
    this.#deps = deps;
  }

  validate(source: string | object, options: { format?: 'yaml' | 'json' } = {}): ParseResult {
    const { limits } = this.#deps;
    return validateWorkflow(source, {
      registry: this.#deps.registry,
      ...(limits ? { limits } : {}),
      ...(options.format ? { format: options.format } : {}),
      now: this.#deps.clock.now(),
    });
  }

  /**
   * The plan of a definition that is not stored (a node test's): validated and compiled, nothing
   * checked against the tenant's stored workflows.
   * @throws WeftError `invalid_definition` with the diagnostics as details
   */
  compiled(source: string | object, options: { format?: 'yaml' | 'json' } = {}): Plan {
    const parsed = this.validate(source, options);
    if (!parsed.ok) {
      throw new WeftError('invalid_definition', describeDiagnostics(parsed), {
        details: parsed.diagnostics,
      });
    }
    return this.#plans.get(parsed.definition, this.#deps.registry);
  }

  /**
   * What publishing would answer, without storing anything: the language's diagnostics, then the
   * checks that need the tenant's stored workflows (webhook paths taken, call cycles) and this
   * engine (file references, the kind of workflow).
   */
  async check(
    source: string | object,
    options: { tenant?: string; format?: 'yaml' | 'json' } = {},
  ): Promise<{ ok: boolean; diagnostics: Diagnostic[] }> {
    try {
      const { parsed } = await this.#prepare(source, options);
      return { ok: true, diagnostics: parsed.diagnostics };
    } catch (e) {
      if (!WeftError.is(e) || e.code !== 'invalid_definition') throw e;
      const details = Array.isArray(e.details) ? (e.details as Diagnostic[]) : [];
      return { ok: false, diagnostics: details };
    }
  }

  async publish(
    source: string | object,
    options: { tenant?: string; format?: 'yaml' | 'json' } = {},
  ): Promise<{ id: string; version: number; created: boolean }> {
    const { parsed, hash, tenant } = await this.#prepare(source, options);
    const { store, clock } = this.#deps;
    const definition = parsed.definition;
    const text = typeof source === 'string' ? source : JSON.stringify(source, null, 2);
    const saved = await store.saveWorkflow({ tenant, definition, source: text, hash });
    this.#forgetLatest(tenant, definition.id);
    await syncSchedules(store, tenant, definition, clock.now());
    this.#deps.changed();
    return { id: definition.id, ...saved };
  }

  /** @throws WeftError `invalid_definition` with the diagnostics as details */
  async #prepare(source: string | object, options: { tenant?: string; format?: 'yaml' | 'json' }) {
    const parsed = this.validate(source, options);
    if (!parsed.ok) {
      throw new WeftError('invalid_definition', describeDiagnostics(parsed), {
        details: parsed.diagnostics,
      });
    }
    const { store, registry } = this.#deps;
    const definition = parsed.definition;
    // A file path could never be run by an engine that finds children by id only: refused here, at
    // publish, rather than at every run. Every publish goes through here (API, CLI, library).
    if (!this.#deps.resolvesFiles) refuseFileReferences(definition);
    const hash = hashDefinition(definition);
    // Compiling refuses a kind of workflow that this engine cannot run, before anything is stored.
    this.#plans.get(definition, registry, hash);
    const tenant = options.tenant ?? this.#deps.tenant;
    await this.#checkHooksFree(tenant, definition);
    await refuseCallCycles(store, tenant, definition, hash);
    return { parsed, hash, tenant };
  }

  async delete(id: string, options: { tenant?: string } = {}): Promise<boolean> {
    const tenant = options.tenant ?? this.#deps.tenant;
    const deleted = await this.#deps.store.deleteWorkflow(tenant, id);
    this.#forgetLatest(tenant, id);
    this.#deps.changed();
    return deleted;
  }

  /** Everything of `tenant` went elsewhere (a tenant move): its latest versions are unknown again. */
  forgetTenant(tenant: string): void {
    this.#epoch++;
    const prefix = workflowKey(tenant, '');
    for (const key of this.#latest.keys()) if (key.startsWith(prefix)) this.#latest.delete(key);
  }

  #forgetLatest(tenant: string, id: string): void {
    this.#epoch++;
    this.#latest.delete(workflowKey(tenant, id));
  }

  async #latestVersion(tenant: string, id: string): Promise<number | undefined> {
    const key = workflowKey(tenant, id);
    const cached = this.#latest.get(key);
    if (cached !== undefined) return cached;
    const epoch = this.#epoch;
    const found = await this.#deps.store.latestWorkflowVersion(tenant, id);
    if (found !== undefined && epoch === this.#epoch && this.#deps.store.cluster === undefined) {
      if (this.#latest.size >= MAX_CACHED_LATEST) this.#latest.clear();
      this.#latest.set(key, found);
    }
    return found;
  }

  /** The stored version a reference names; a definition is published first. */
  async resolve(
    workflow: WorkflowRef,
    tenant: string,
    version?: number,
  ): Promise<{ id: string; version: number }> {
    // A newline or a colon cannot be in an id: such a string is definition text.
    if (typeof workflow !== 'string' || /[\n:]/.test(workflow)) {
      const published = await this.publish(workflow, { tenant });
      return { id: published.id, version: published.version };
    }
    const { store } = this.#deps;
    const found =
      version === undefined
        ? await this.#latestVersion(tenant, workflow)
        : (await store.getWorkflow(tenant, workflow, version))?.version;
    if (found === undefined) {
      throw new WeftError(
        'not_found',
        version === undefined
          ? `no workflow "${workflow}"`
          : `no version ${version} of workflow "${workflow}"`,
      );
    }
    return { id: workflow, version: found };
  }

  /** Versions never change once published, so their plans are kept by (tenant, id, version). */
  async planOf(tenant: string, workflowId: string, version: number): Promise<Plan> {
    const key = `${tenant}\u0000${workflowId}\u0000${version}`;
    const cached = this.#versions.get(key);
    if (cached !== undefined) return cached;
    // Deleted versions too: a run keeps the version it started with after a delete (SPEC 8).
    const stored = await this.#deps.store.getWorkflow(tenant, workflowId, version, {
      includeDeleted: true,
    });
    if (stored === undefined) {
      throw new WeftError('not_found', `no version ${version} of workflow "${workflowId}"`);
    }
    const plan = this.#plans.get(stored.definition, this.#deps.registry, stored.hash);
    if (this.#versions.size >= MAX_CACHED_VERSIONS) this.#versions.clear();
    this.#versions.set(key, plan);
    return plan;
  }

  /** A webhook path and method start one workflow's runs: another live workflow may not take it. */
  async #checkHooksFree(tenant: string, definition: WorkflowDefinition): Promise<void> {
    const mine = hookKeys(definition);
    if (mine.length === 0) return;
    const { store } = this.#deps;
    const diagnostics = [];
    for (const w of await store.listWorkflows(tenant)) {
      if (w.id === definition.id) continue;
      const other = await store.getWorkflow(tenant, w.id, w.latestVersion);
      const taken = new Set(
        other === undefined ? [] : hookKeys(other.definition).map((h) => h.key),
      );
      for (const h of mine) {
        if (taken.has(h.key)) {
          diagnostics.push({
            path: `triggers[${h.index}].path`,
            message: `webhook \`${h.key}\` is already used by workflow "${w.id}"`,
          });
        }
      }
    }
    if (diagnostics.length > 0) {
      const parsed = { ok: false as const, diagnostics };
      throw new WeftError('invalid_definition', describeDiagnostics(parsed), {
        details: diagnostics,
      });
    }
  }
}

export function describeDiagnostics(parsed: Extract<ParseResult, { ok: false }>): string {
  const lines = parsed.diagnostics.map((d) => {
    const at = d.line !== undefined ? `${d.line}:${d.column ?? 1}: ` : '';
    return `${at}${d.path === '' ? '' : `${d.path}: `}${d.message}`;
  });
  return `invalid definition: ${lines.join('; ')}`;
}
