/**
 * @module javascript/runtime
 * JavaScript in QuickJS compiled to WebAssembly. Each job gets a fresh QuickJS runtime with the
 * job's memory limit, a small stack and an interrupt handler at the job's deadline, so nothing of
 * one job is left for the next. The job's promise is driven here: pending jobs run, `setTimeout`
 * callbacks fire from host timers, and the deadline ends the wait.
 */
import {
  newQuickJSWASMModule,
  RELEASE_SYNC,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { MAX_DATA_BYTES } from '../limits.js';
import type { RuntimeJob, RuntimeResult, SandboxRuntime } from '../runtime.js';
import { describeFailure, memoryExceeded, type Thrown } from './failure.js';
import { capMemory } from './memory-cap.js';
import { PRELUDE, PRELUDE_FILE, USER_FILE, wrapSource } from './prelude.js';
import { Timers } from './timers.js';

/**
 * QuickJS's own stack bound. Its frames live on the host's native stack too, so the bound is kept
 * well inside V8's: past it QuickJS throws a catchable `stack overflow` instead of V8 aborting.
 */
const STACK_BYTES = 256 * 1024;
/** Room given back after a job hit its memory limit, so that its error can still be read. */
const DESCRIBE_HEADROOM_BYTES = 1024 * 1024;
/** The module's memory may grow by a job's limit and this much (QuickJS's runtime, the prelude). */
const MEMORY_SLACK_BYTES = 4 * 1024 * 1024;
/**
 * WebAssembly memory never shrinks: a module that a job grew by more than this is replaced, so that
 * the next job's cap is not on top of room a bigger job left behind.
 */
const REPLACE_AFTER_GROWTH_BYTES = 16 * 1024 * 1024;

/** Loads QuickJS from the files the package ships (no fetch), once per runtime. */
export async function createJavaScriptRuntime(): Promise<SandboxRuntime> {
  let baseline = 0;
  const load = async () => {
    const loaded = await newQuickJSWASMModule(RELEASE_SYNC);
    baseline = loaded.getWasmMemory().buffer.byteLength;
    return loaded;
  };
  let module: QuickJSWASMModule | undefined = await load();
  const runtime: SandboxRuntime = {
    async run(job) {
      const current = (module ??= await load());
      const memory = current.getWasmMemory();
      const cap = capMemory(memory, job.memoryBytes + MEMORY_SLACK_BYTES);
      let broken = false;
      try {
        const result = await runJob(
          current,
          job,
          () => (broken = true),
          () => cap.widen(DESCRIBE_HEADROOM_BYTES),
        );
        // Code that caught its `out of memory` and failed otherwise still hit its limit.
        const hitLimit = cap.refused && !result.ok && result.code !== 'code_timeout';
        return hitLimit && result.code !== 'code_memory' ? memoryExceeded(job) : result;
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // The interpreter itself failed (V8's stack, a broken invariant, a leak QuickJS asserts
        // on when freed): its memory can no longer be trusted, so the next job gets a new module.
        cap.lift();
        if (broken && module === current) module = undefined;
        if (
          memory.buffer.byteLength > baseline + REPLACE_AFTER_GROWTH_BYTES &&
          module === current
        ) {
          module = undefined;
        }
      }
    },
  };
  // One job before the first real one, so that the WebAssembly code is compiled and warm.
  await runtime.run({
    source: 'return input',
    inputJson: '{"warm":[1,"a",true,null]}',
    timeoutMs: 10_000,
    memoryBytes: 1024 * 1024,
    log: () => {},
  });
  return runtime;
}

async function runJob(
  module: QuickJSWASMModule,
  job: RuntimeJob,
  onBroken: () => void,
  widenMemory: () => void,
): Promise<RuntimeResult> {
  // The limit is the user's code's: it starts once the prelude is in place.
  let deadline = Infinity;
  const rt = module.newRuntime();
  rt.setMemoryLimit(job.memoryBytes);
  rt.setMaxStackSize(STACK_BYTES);
  let interrupted = false;
  rt.setInterruptHandler(() => {
    if (Date.now() < deadline) return false;
    interrupted = true;
    return true;
  });
  const vm = rt.newContext();
  const timers = new Timers(vm, () => deadline);
  const held: QuickJSHandle[] = [];
  const hold = (h: QuickJSHandle): QuickJSHandle => (held.push(h), h);
  const fail = (thrown: QuickJSHandle, describe: QuickJSHandle | undefined): RuntimeResult => {
    rt.setMemoryLimit(job.memoryBytes + DESCRIBE_HEADROOM_BYTES);
    widenMemory();
    const facts = describe === undefined ? undefined : readThrown(vm, describe, thrown);
    return describeFailure(facts, { interrupted, job });
  };
  try {
    const prelude = hold(unwrap(vm, vm.evalCode(PRELUDE, PRELUDE_FILE)));
    const api = hold(
      unwrap(
        vm,
        vm.callFunction(
          prelude,
          vm.undefined,
          hold(vm.newFunction('log', (line) => job.log(vm.getString(line)))),
          hold(vm.newFunction('schedule', (fn, ms) => timers.schedule(fn, vm.getNumber(ms)))),
          hold(vm.newFunction('cancel', (id) => timers.cancel(vm.getNumber(id)))),
        ),
      ),
    );
    const run = hold(vm.getProp(api, 'run'));
    const settle = hold(vm.getProp(api, 'settle'));
    const describe = hold(vm.getProp(api, 'describe'));

    deadline = Date.now() + job.timeoutMs;
    const compiled = vm.evalCode(wrapSource(job.source), USER_FILE);
    if (compiled.error !== undefined) {
      const result = fail(hold(compiled.error), describe);
      return !result.ok && result.message.startsWith('SyntaxError')
        ? { ...result, code: 'code_syntax' }
        : result;
    }
    const fn = hold(compiled.value);
    if (vm.typeof(fn) !== 'function') {
      return {
        ok: false,
        code: 'code_syntax',
        message: 'the source closes the function it is the body of: check its braces',
      };
    }
    const started = vm.callFunction(run, vm.undefined, fn, hold(vm.newString(job.inputJson)));
    if (started.error !== undefined) return fail(hold(started.error), describe);
    const promise = hold(started.value);

    for (;;) {
      const jobs = rt.executePendingJobs();
      if (jobs.error !== undefined) return fail(hold(jobs.error), describe);
      // An interrupted promise job rejects its promise rather than failing the queue: the
      // deadline has passed whatever the promise's state says.
      if (interrupted) return describeFailure(undefined, { interrupted, job });
      const state = vm.getPromiseState(promise);
      if (state.type === 'fulfilled') {
        // Serialised by a plain call, outside any promise job.
        const settled = vm.callFunction(settle, vm.undefined, hold(state.value));
        if (settled.error !== undefined) return fail(hold(settled.error), describe);
        return readOutcome(vm, hold(settled.value), job);
      }
      if (state.type === 'rejected') return fail(hold(state.error), describe);
      const due = timers.takeDue();
      if (due !== undefined) {
        const called = vm.callFunction(hold(due), vm.undefined);
        if (called.error !== undefined) return fail(hold(called.error), describe);
        hold(called.value);
        continue;
      }
      if (timers.size === 0) {
        return {
          ok: false,
          code: 'code_error',
          message:
            'the returned promise never settles: no job or timer is left that could settle it',
        };
      }
      if (!(await timers.wait(deadline))) {
        interrupted = true;
        return describeFailure(undefined, { interrupted, job });
      }
    }
  } finally {
    try {
      timers.dispose();
      for (const h of held.reverse()) if (h.alive) h.dispose();
      vm.dispose();
      rt.dispose();
    } catch {
      // QuickJS asserts on objects it leaked itself on some error paths (a native call that
      // failed inside a promise job): the answer stands, the module is replaced.
      onBroken();
    }
  }
}

function unwrap(vm: QuickJSContext, result: ReturnType<QuickJSContext['evalCode']>): QuickJSHandle {
  if (result.error === undefined) return result.value;
  const what: unknown = vm.dump(result.error);
  result.error.dispose();
  throw new Error(`the sandbox's prelude failed: ${JSON.stringify(what)}`);
}

/** Name, message and stack of a thrown value, read through the prelude's `describe`. */
function readThrown(
  vm: QuickJSContext,
  describe: QuickJSHandle,
  thrown: QuickJSHandle,
): Thrown | undefined {
  const result = vm.callFunction(describe, vm.undefined, thrown);
  if (result.error !== undefined) {
    result.error.dispose();
    return undefined;
  }
  const facts = result.value;
  try {
    const read = (key: string): string => {
      const h = vm.getProp(facts, key);
      try {
        return vm.typeof(h) === 'string' ? vm.getString(h) : '';
      } finally {
        h.dispose();
      }
    };
    return { name: read('name'), message: read('message'), stack: read('stack') };
  } finally {
    facts.dispose();
  }
}

/** The serialiser's answer: `{ json }`, or `{ invalid }` naming what is not JSON. */
function readOutcome(vm: QuickJSContext, outcome: QuickJSHandle, job: RuntimeJob): RuntimeResult {
  const invalid = vm.getProp(outcome, 'invalid');
  try {
    if (vm.typeof(invalid) === 'string')
      return { ok: false, code: 'code_invalid_output', message: vm.getString(invalid) };
  } finally {
    invalid.dispose();
  }
  const json = vm.getProp(outcome, 'json');
  try {
    const max = job.maxOutputBytes ?? MAX_DATA_BYTES;
    // Measured in characters inside QuickJS before anything is copied out; UTF-8 is never shorter.
    const length = vm.getProp(json, 'length');
    const chars = vm.typeof(length) === 'number' ? vm.getNumber(length) : 0;
    length.dispose();
    const outputJson = chars > max ? undefined : vm.getString(json);
    if (outputJson === undefined || Buffer.byteLength(outputJson) > max) {
      return {
        ok: false,
        code: 'code_invalid_output',
        message: `the returned value is more than ${max} bytes of JSON (the limit on a node's output)`,
        tooLarge: true,
      };
    }
    return { ok: true, outputJson };
  } finally {
    json.dispose();
  }
}
