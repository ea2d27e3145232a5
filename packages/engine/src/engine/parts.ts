/**
 * @module engine/parts
 * Builds the engine's parts over one store and one Runner. Kept apart from the `Engine` class so
 * that the parts' wiring — the Runner needs plans and child runs, which need the Runner — is in one
 * place and the class only hands calls on.
 */
import {
  resolveLimits,
  type Clock,
  type CredentialResolver,
  type DslLimits,
  type Logger,
  type NodeRegistry,
  type Store,
} from '@weft/core';
import type { ClusterMember } from '../runtime/cluster.js';
import { Runner } from '../runtime/runner.js';
import { ChildRuns, type WorkflowResolver } from './children.js';
import { Control } from './control.js';
import { Debouncer } from './debouncer.js';
import { Definitions } from './definitions.js';
import { DEFAULT_NODE_TEST_MS, NodeTests } from './node-test.js';
import type { RunBounds } from './options.js';
import { Starts } from './starts.js';
import { storeServices } from './store-services.js';
import { Watch } from './watch.js';
import { workflowCalls } from './workflow-calls.js';

export interface PartsInput {
  store: Store;
  registry: NodeRegistry;
  clock: Clock;
  log: Logger;
  /** Tenant when none is given. */
  tenant: string;
  limits: Partial<DslLimits> | undefined;
  credentials: (tenant: string) => CredentialResolver;
  resolveWorkflow: WorkflowResolver | undefined;
  bounds: RunBounds;
  /** Called after a publish or a delete: the schedulers are woken. */
  changed: () => void;
  /** This engine as one of many workers on a shared store. */
  cluster?: ClusterMember | undefined;
  /** The cap of a node test's timeout, in ms. @default 60000 */
  nodeTestMs?: number | undefined;
}

export interface Parts {
  runner: Runner;
  definitions: Definitions;
  starts: Starts;
  watch: Watch;
  control: Control;
  /** Fires debounced starts; the engine starts and stops it. */
  debouncer: Debouncer;
  nodeTests: NodeTests;
}

/** Largest node output, in bytes of JSON: the Runner's default (SPEC section 10). */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** How often workers sharing a store look for debounced starts that others could not fire. */
const CLUSTER_DEBOUNCE_POLL_MS = 5000;

export function buildParts(input: PartsInput): Parts {
  const { store, registry, clock, tenant } = input;
  const limits: DslLimits = resolveLimits(input.limits);
  const definitions = new Definitions({
    store,
    registry,
    clock,
    tenant,
    limits: input.limits,
    changed: input.changed,
    resolvesFiles: input.resolveWorkflow !== undefined,
  });
  // The Runner starts child runs and workflow calls, which start runs on it: it reaches them once
  // they are built.
  const runner: Runner = new Runner({
    store,
    registry,
    clock,
    log: input.log,
    children: { start: (parent, cmd) => children.start(parent, cmd) },
    credentials: input.credentials,
    maxDepth: limits.maxDepth,
    loadPlan: (t, id, version) => definitions.planOf(t, id, version),
    maxNodeCrashes: input.bounds.maxNodeCrashes,
    ...(input.cluster === undefined ? {} : { cluster: input.cluster }),
    services: {
      ...storeServices(store, clock, (id) => runner.active(id)?.identity.tenant),
      nodeTypes: registry,
      workflows: workflowCalls({
        store,
        definitions,
        starts: { start: (workflow, options) => starts.start(workflow, options) },
        watch: { wait: (runId, options) => watch.wait(runId, options) },
      }),
    },
  });
  const children: ChildRuns = new ChildRuns({
    store,
    runner,
    definitions,
    clock,
    limits,
    resolveWorkflow: input.resolveWorkflow,
    bounds: input.bounds,
  });
  const control = new Control({ store, runner, definitions, limits });
  // The debouncer fires through the starts, which arm it: each reaches the other once built.
  const debouncer: Debouncer = new Debouncer({
    store,
    clock,
    log: input.log.child({ component: 'debounce' }),
    fire: (d) => starts.fireDebounced(d),
    ...(input.cluster === undefined ? {} : { pollMs: CLUSTER_DEBOUNCE_POLL_MS }),
  });
  const starts: Starts = new Starts({
    store,
    runner,
    definitions,
    clock,
    limits,
    tenant,
    cancel: (runId, reason) => control.cancel(runId, reason),
    debounced: (dueAt) => debouncer.added(dueAt),
  });
  const cluster = input.cluster;
  const watch = new Watch({
    store,
    runner,
    definitions,
    ...(cluster === undefined ? {} : { changes: (id, l) => cluster.onChange(id, l) }),
  });
  const nodeTests = new NodeTests({
    store,
    registry,
    clock,
    log: input.log.child({ component: 'node-test' }),
    limits,
    definitions,
    credentials: input.credentials,
    maxMs: input.nodeTestMs ?? DEFAULT_NODE_TEST_MS,
    maxOutputBytes: MAX_OUTPUT_BYTES,
  });
  return {
    runner,
    definitions,
    starts,
    watch,
    control,
    debouncer,
    nodeTests,
  };
}
