/**
 * The escape corpus: hostile JavaScript against the sandbox pool. Each case asserts the job's
 * result, that it ended within its limit plus a generous margin, that a benign job running beside
 * it was unharmed, and that the host's canaries (an environment variable and a file of this
 * process) are untouched and never leak into an answer.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxPool, type SandboxResult } from '../src/index.js';
import { ensureSandboxBuilt } from './build.js';

const CANARY_ENV = 'WEFT_SANDBOX_CANARY';
const CANARY = `canary-${process.pid}-secret`;
const dir = mkdtempSync(join(tmpdir(), 'weft-escape-'));
const canaryFile = join(dir, 'canary.txt');

const TIMEOUT_MS = 1_000;
/** The bound every case must end within, past its limit: generous, not a timing assertion. */
const MARGIN_MS = 5_000;

let pool: SandboxPool;
beforeAll(() => {
  ensureSandboxBuilt();
  process.env[CANARY_ENV] = CANARY;
  writeFileSync(canaryFile, CANARY);
  pool = new SandboxPool({ workers: 2 });
}, 120_000);
afterAll(() => {
  pool.close();
  delete process.env[CANARY_ENV];
});

type FailureCode = Exclude<SandboxResult, { ok: true }>['code'];
type Expect = { ok: unknown } | { code: readonly FailureCode[]; match?: RegExp };

interface Case {
  name: string;
  source: string;
  expect: Expect;
  input?: unknown;
  timeoutMs?: number;
  memoryBytes?: number;
  /** Done to the child from outside while the job runs; awaited before the case ends. */
  meanwhile?: (pool: SandboxPool) => Promise<void>;
}

const MIB = 1024 * 1024;
const ok = (value: unknown): Expect => ({ ok: value });
const code = (c: FailureCode, match?: RegExp): Expect =>
  match === undefined ? { code: [c] } : { code: [c], match };
const anyOf = (...c: FailureCode[]): Expect => ({ code: c });

const HOST_NAMES = [
  'process',
  'require',
  'module',
  'Buffer',
  'global',
  'fetch',
  'setInterval',
  'setImmediate',
  'WebAssembly',
  'std',
  'os',
  'Deno',
  'Bun',
  CANARY_ENV,
];

const cases: Case[] = [
  // Host objects and globals.
  { name: 'process is not defined', source: 'return typeof process', expect: ok('undefined') },
  {
    name: 'require is not defined',
    source: "return require('fs')",
    expect: code('code_error', /ReferenceError/),
  },
  {
    name: 'module, exports and __dirname are not defined',
    source: 'return [typeof module, typeof exports, typeof __dirname, typeof __filename]',
    expect: ok(['undefined', 'undefined', 'undefined', 'undefined']),
  },
  {
    name: 'globalThis holds none of the host names',
    source: `const names = Object.getOwnPropertyNames(globalThis);
      return ${JSON.stringify(HOST_NAMES)}.filter((n) => names.includes(n) || typeof globalThis[n] !== 'undefined')`,
    expect: ok([]),
  },
  {
    name: 'quickjs-libc std and os are absent',
    source: 'return [typeof std, typeof os, typeof scriptArgs, typeof print]',
    expect: ok(['undefined', 'undefined', 'undefined', 'undefined']),
  },
  {
    name: 'no network API',
    source: 'return [typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof navigator]',
    expect: ok(['undefined', 'undefined', 'undefined', 'undefined']),
  },
  {
    name: 'no timers beyond setTimeout',
    source: 'return [typeof setInterval, typeof setImmediate, typeof setTimeout]',
    expect: ok(['undefined', 'undefined', 'function']),
  },
  {
    name: 'the canary variable is not on the global object',
    source: `return String(globalThis[${JSON.stringify(CANARY_ENV)}])`,
    expect: ok('undefined'),
  },
  {
    name: 'globalThis walked through every own property',
    source: `const out = [];
      for (const k of Reflect.ownKeys(globalThis)) { const v = globalThis[k]; if (typeof v === 'object' && v && 'env' in v) out.push(String(k)); }
      return out`,
    expect: ok([]),
  },
  {
    name: 'the host callbacks of the prelude are not reachable by name',
    source: 'return [typeof hostLog, typeof hostSchedule, typeof hostCancel]',
    expect: ok(['undefined', 'undefined', 'undefined']),
  },

  // Constructor and prototype walks.
  {
    name: 'Function constructor through a plain object',
    source: "return ({}).constructor.constructor('return typeof process')()",
    expect: ok('undefined'),
  },
  {
    name: 'Function constructor through the input',
    source: "return input.constructor.constructor('return this')() === globalThis",
    input: { a: 1 },
    expect: ok(true),
  },
  {
    name: 'Function constructor through an array reaches no process',
    source: "return [].constructor.constructor('return process')()",
    expect: code('code_error', /process/),
  },
  {
    name: 'AsyncFunction constructor',
    source: "return await (async () => {}).constructor('return typeof require + typeof process')()",
    expect: ok('undefinedundefined'),
  },
  {
    name: 'GeneratorFunction constructor',
    source: "return (function* () {}).constructor('yield typeof process')().next().value",
    expect: ok('undefined'),
  },
  {
    name: 'constructor of console.log',
    source: "return console.log.constructor('return typeof process')()",
    expect: ok('undefined'),
  },
  {
    name: 'constructor of setTimeout reaches no host callback',
    source: "return setTimeout.constructor('return typeof hostSchedule')()",
    expect: ok('undefined'),
  },
  {
    name: '__proto__ walk to Object.prototype and back',
    source: "return ({}).__proto__.constructor.constructor('return typeof Buffer')()",
    expect: ok('undefined'),
  },
  {
    name: 'a replaced JSON.stringify does not change the serialiser',
    source: 'JSON.stringify = () => \'"pwned"\'; return { a: 1 }',
    expect: ok({ a: 1 }),
  },
  {
    name: 'replaced Array.prototype methods do not break the serialiser',
    source:
      "Array.prototype.push = () => { throw new Error('x') }; Array.prototype.join = () => 'j'; return [1, [2]]",
    expect: ok([1, [2]]),
  },
  {
    name: 'a polluted Object.prototype.toJSON only changes its own output',
    source: "Object.prototype.toJSON = function () { return 'x' }; return { a: 1 }",
    expect: ok('x'),
  },
  {
    name: 'a Proxy whose ownKeys trap throws',
    source: "return new Proxy({}, { ownKeys() { throw new Error('trap') } })",
    expect: code('code_error', /trap/),
  },
  {
    name: 'a Proxy whose get trap never returns',
    source: 'return new Proxy({ a: 1 }, { get() { for (;;) {} } })',
    expect: code('code_timeout'),
  },
  {
    name: 'an input key __proto__ stays data',
    source: 'return [Object.keys(input), ({}).x === undefined]',
    input: JSON.parse('{"__proto__": {"x": 1}}') as unknown,
    expect: ok([['__proto__'], true]),
  },

  // eval, Function, import().
  { name: 'eval runs inside the sandbox', source: "return eval('1 + 1')", expect: ok(2) },
  {
    name: 'eval sees no process',
    source: "return eval('typeof process')",
    expect: ok('undefined'),
  },
  {
    name: 'new Function sees no require',
    source: "return new Function('return typeof require')()",
    expect: ok('undefined'),
  },
  { name: 'dynamic import of fs', source: "return await import('fs')", expect: code('code_error') },
  {
    name: 'dynamic import of node:child_process',
    source: "const cp = await import('node:child_process'); return cp.execSync('id').toString()",
    expect: code('code_error'),
  },
  {
    name: 'static import is a syntax error',
    source: "import fs from 'fs'; return 1",
    expect: code('code_syntax'),
  },
  {
    name: 'a source that closes its wrapper still runs only inside the sandbox',
    source: 'return 1 }); (function () { return typeof process',
    expect: ok('undefined'),
  },

  // WebAssembly, SharedArrayBuffer, Atomics.
  { name: 'WebAssembly is absent', source: 'return typeof WebAssembly', expect: ok('undefined') },
  {
    name: 'compiling WebAssembly fails',
    source: 'return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))',
    expect: code('code_error'),
  },
  {
    name: 'a SharedArrayBuffer is only memory',
    source:
      'const b = new SharedArrayBuffer(8); new Int32Array(b)[0] = 5; return new Int32Array(b)[0]',
    expect: ok(5),
  },
  {
    name: 'Atomics.wait cannot block the process',
    source: 'return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)',
    expect: code('code_error'),
  },

  // Infinite loops.
  { name: 'while (true)', source: 'while (true) {}', expect: code('code_timeout') },
  {
    name: 'for (;;) with work',
    source: 'let x = 0; for (;;) { x += Math.random() }',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop that catches everything',
    source: 'for (;;) { try { while (true) {} } catch (e) {} }',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop in finally',
    source: 'try { while (true) {} } finally { while (true) {} }',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop in a getter met while serialising',
    source: 'return { get x() { for (;;) {} } }',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop in toJSON',
    source: 'return { toJSON() { for (;;) {} } }',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop in a timer callback',
    source: 'setTimeout(() => { for (;;) {} }, 0); return await new Promise(() => {})',
    expect: code('code_timeout'),
  },
  {
    name: 'an infinite loop in a catch of the interrupt',
    source: 'try { while (true) {} } catch (e) { while (true) {} }',
    expect: code('code_timeout'),
  },

  // Infinite async loops and promises that never settle.
  { name: 'for (;;) await null', source: 'for (;;) await null', expect: code('code_timeout') },
  {
    name: 'a microtask flood',
    source: 'const f = () => Promise.resolve().then(f); f(); return await new Promise(() => {})',
    // On a busy machine the flood's queue may outgrow the worker before the deadline stops it:
    // the worker dies and is replaced (the last case checks that jobs still run).
    expect: anyOf('code_timeout', 'code_crashed'),
  },
  {
    name: 'a promise that never settles',
    source: 'return new Promise(() => {})',
    expect: code('code_error', /never settles/),
  },
  {
    name: 'a timer due after the deadline',
    source: 'await new Promise((r) => setTimeout(r, 1e9)); return 1',
    expect: code('code_timeout'),
  },
  {
    name: 'a timer chain without end',
    source: 'const tick = () => setTimeout(tick, 0); tick(); await new Promise(() => {})',
    expect: code('code_timeout'),
  },
  {
    name: 'a flood of timers',
    source: 'for (let i = 0; i < 1e6; i++) setTimeout(() => {}, 0); return 1',
    expect: code('code_error', /timers/),
  },
  {
    name: 'a bounded setTimeout works',
    source: 'return await new Promise((r) => setTimeout(r, 10, 7))',
    expect: ok(7),
  },

  // Deep recursion.
  {
    name: 'unbounded recursion',
    source: 'function f() { return f() } return f()',
    expect: code('code_error', /stack overflow/),
  },
  {
    name: 'unbounded recursion building arrays',
    source: 'function f(n) { return [f(n + 1)] } return f(0)',
    expect: code('code_error', /stack overflow/),
  },
  {
    name: 'a deeply nested JSON.parse',
    source: "return JSON.parse('['.repeat(1e6) + ']'.repeat(1e6))",
    expect: anyOf('code_error', 'code_memory'),
  },
  {
    name: 'an output nested past the walk bound',
    source: 'let o = null; for (let i = 0; i < 100000; i++) o = [o]; return o',
    expect: code('code_invalid_output', /nests more than 100 levels/),
  },
  {
    name: 'recursion through a thrown value’s toString',
    source: 'throw { toString() { return String(this) } }',
    expect: code('code_error'),
  },

  // Huge arrays and strings.
  {
    name: 'new Array(1e9) joined: one long native call',
    source: "return (new Array(1e9) + '').length",
    expect: anyOf('code_timeout', 'code_memory'),
  },
  {
    name: 'new Array(1e9).fill(0)',
    source: 'return new Array(1e9).fill(0).length',
    expect: anyOf('code_timeout', 'code_memory'),
  },
  {
    name: 'a huge typed array',
    source: 'return new Uint8Array(1e9).length',
    expect: code('code_memory'),
  },
  {
    name: "'x'.repeat(2 ** 30)",
    source: "return 'x'.repeat(2 ** 30).length",
    expect: anyOf('code_memory', 'code_error'),
  },
  {
    name: 'string doubling without end',
    source: "let s = 'x'; for (;;) s += s",
    expect: code('code_memory'),
  },
  {
    name: 'a doubled string returned',
    source: "let s = 'ab'; for (let i = 0; i < 24; i++) s += s; return s",
    // Native copying of 32 MiB strings: on a loaded machine the kill from outside may come first.
    expect: anyOf('code_memory', 'code_invalid_output', 'code_timeout'),
  },
  {
    name: 'an output just over 4 MiB',
    source: "return 'x'.repeat(4 * 1024 * 1024 + 1)",
    expect: code('code_invalid_output', /bytes/),
    timeoutMs: 5_000,
  },
  {
    name: 'objects allocated without end',
    source: 'const a = []; for (let i = 0; ; i++) a.push({ i, s: String(i) })',
    expect: code('code_memory'),
    memoryBytes: 8 * MIB,
    timeoutMs: 10_000,
  },

  // Regular expression catastrophes.
  {
    name: 'catastrophic backtracking (a+)+$',
    source: "return /(a+)+$/.test('a'.repeat(40) + 'b')",
    expect: code('code_timeout'),
  },
  {
    name: 'catastrophic backtracking (x+x+)+y',
    source: "return /(x+x+)+y/.test('x'.repeat(60))",
    expect: code('code_timeout'),
  },

  // Throwing what is not an Error.
  { name: 'throw a number', source: 'throw 42', expect: code('code_error', /threw 42/) },
  { name: 'throw null', source: 'throw null', expect: code('code_error', /threw null/) },
  { name: 'throw undefined', source: 'throw undefined', expect: code('code_error', /undefined/) },
  {
    name: 'throw a symbol',
    source: "throw Symbol('s')",
    expect: code('code_error', /Symbol\(s\)/),
  },
  {
    name: 'throw an object whose message getter throws',
    source: "throw { get message() { throw new Error('no') } }",
    expect: code('code_error'),
  },
  {
    name: 'throw an object whose toString throws',
    source: "throw { toString() { throw new Error('no') } }",
    expect: code('code_error'),
  },
  {
    name: 'throw a Proxy that never answers',
    source: 'throw new Proxy({}, { get() { for (;;) {} } })',
    expect: code('code_timeout'),
  },
  {
    name: 'reject with a number',
    source: 'return Promise.reject(7)',
    expect: code('code_error', /threw 7/),
  },
  {
    name: 'an Error with a huge message is cut',
    source: "throw new Error('x'.repeat(1e7))",
    expect: code('code_error', /^Error: x{100}/),
  },

  // Getters that throw while the output is serialised, and outputs that are not JSON.
  {
    name: 'a getter that throws',
    source: "return { get x() { throw new Error('nope') } }",
    expect: code('code_invalid_output', /output\.x threw nope/),
  },
  {
    name: 'a toJSON that throws',
    source: "return { a: { toJSON() { throw new Error('bad') } } }",
    expect: code('code_invalid_output', /toJSON/),
  },
  {
    name: 'an array element getter that throws',
    source: 'const a = [1]; Object.defineProperty(a, 0, { get() { throw 1 } }); return a',
    expect: code('code_invalid_output', /output\[0\]/),
  },
  {
    name: 'an object cycle',
    source: 'const o = {}; o.self = o; return o',
    expect: code('code_invalid_output', /output\.self .*cycle/),
  },
  {
    name: 'an array cycle',
    source: 'const a = []; a.push({ back: a }); return a',
    expect: code('code_invalid_output', /cycle/),
  },
  { name: 'a function', source: 'return () => 1', expect: code('code_invalid_output', /function/) },
  { name: 'a BigInt', source: 'return { n: 10n }', expect: code('code_invalid_output', /BigInt/) },
  {
    name: 'undefined',
    source: 'return undefined',
    expect: code('code_invalid_output', /undefined/),
  },
  { name: 'no return', source: 'const x = 1', expect: code('code_invalid_output', /undefined/) },
  { name: 'NaN', source: 'return [NaN]', expect: code('code_invalid_output', /NaN/) },
  { name: 'a symbol', source: "return Symbol('s')", expect: code('code_invalid_output', /symbol/) },
  { name: 'a Map', source: 'return new Map([[1, 2]])', expect: code('code_invalid_output', /Map/) },
  {
    name: 'a promise inside the output',
    source: 'return { p: Promise.resolve(1) }',
    expect: code('code_invalid_output', /promise/),
  },
  {
    name: 'a shared reference that is no cycle',
    source: 'const x = { a: 1 }; return [x, x]',
    expect: ok([{ a: 1 }, { a: 1 }]),
  },
  {
    name: 'a Date becomes its JSON text',
    source: 'return new Date(0)',
    expect: ok('1970-01-01T00:00:00.000Z'),
  },

  // A child that dies.
  {
    name: 'the child process killed from outside while it runs',
    source: 'while (true) {}',
    timeoutMs: 20_000,
    meanwhile: async (p) => {
      await new Promise((r) => setTimeout(r, 300));
      for (const pid of p.pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
    expect: code('code_crashed', /died/),
  },
];

function check(result: SandboxResult, expected: Expect): void {
  if ('ok' in expected) {
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(JSON.parse(result.outputJson)).toEqual(expected.ok);
    return;
  }
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(expected.code).toContain(result.code);
  if (expected.match !== undefined) expect(result.message).toMatch(expected.match);
}

describe('escape corpus', () => {
  it('holds at least 60 named cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases) {
    const limit = c.timeoutMs ?? TIMEOUT_MS;
    it(c.name, { timeout: limit + MARGIN_MS + 10_000 }, async () => {
      const started = Date.now();
      const benign =
        c.meanwhile === undefined
          ? pool.run({
              language: 'javascript',
              source: 'return input.n + 1',
              inputJson: '{"n":41}',
            })
          : undefined;
      const job = pool.run({
        language: 'javascript',
        source: c.source,
        inputJson: JSON.stringify(c.input ?? null),
        timeoutMs: limit,
        memoryBytes: c.memoryBytes ?? 64 * MIB,
      });
      const [result] = await Promise.all([job, c.meanwhile?.(pool)]);
      expect(Date.now() - started).toBeLessThan(limit + MARGIN_MS);
      check(result, c.expect);
      if (benign !== undefined) expect(await benign).toEqual({ ok: true, outputJson: '42' });
      expect(process.env[CANARY_ENV]).toBe(CANARY);
      expect(readFileSync(canaryFile, 'utf8')).toBe(CANARY);
      expect(JSON.stringify(result)).not.toContain(CANARY);
    });
  }

  it('still runs code after the corpus', async () => {
    const r = await pool.run({ language: 'javascript', source: 'return input', inputJson: '[1]' });
    expect(r).toEqual({ ok: true, outputJson: '[1]' });
  });
});
