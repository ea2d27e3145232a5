/**
 * @module javascript/prelude
 * The JavaScript that runs inside each fresh QuickJS context before the user's code: `console`,
 * a bounded `setTimeout`, and the strict serialiser of the returned value. It is a function of the
 * host's callbacks, so that they never stand on the global object, and it keeps its own references
 * to the intrinsics it uses, taken before the user's code can replace them: code that tampers with
 * `JSON` or `Array` can only spoil its own output.
 */
import { MAX_LOG_LINE_CHARS, MAX_LOG_LINES } from '../limits.js';

/** File name of the user's code in stack traces; its line 1 is the wrapper's first line. */
export const USER_FILE = 'code.js';
export const PRELUDE_FILE = 'weft-prelude.js';

/** The user's source as the body of an async function of `input`: `await` works at its top. */
export function wrapSource(source: string): string {
  return `(async function (input) {\n${source}\n})`;
}

/** Lines of the wrapper before the user's first line. */
export const WRAPPER_LINES = 1;

/** Outputs nested deeper than this are refused (the engine allows less still): it bounds the walk. */
const MAX_OUTPUT_DEPTH = 100;

export const PRELUDE = `(function (hostLog, hostSchedule, hostCancel) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const keys = Object.keys;
  const isFinite = Number.isFinite;
  const apply = Reflect.apply;
  const push = Array.prototype.push;
  const pop = Array.prototype.pop;
  const join = Array.prototype.join;
  const includes = Array.prototype.includes;
  const slice = String.prototype.slice;
  const test = RegExp.prototype.test;
  const StringC = String;
  const PromiseC = Promise;
  const MapC = Map, SetC = Set, WeakMapC = WeakMap, WeakSetC = WeakSet;
  const MAX_LINES = ${MAX_LOG_LINES};
  const MAX_CHARS = ${MAX_LOG_LINE_CHARS};
  const MAX_DEPTH = ${MAX_OUTPUT_DEPTH};
  const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  class Invalid {
    constructor(message) { this.message = message; }
  }

  function text(value) {
    if (typeof value === 'string') return value;
    try {
      const s = stringify(value);
      if (typeof s === 'string') return s;
    } catch (e) {}
    try { return StringC(value); } catch (e) { return '[value that cannot be shown]'; }
  }

  let lines = 0;
  function log() {
    if (lines >= MAX_LINES) { if (lines++ === MAX_LINES) hostLog('[more console output dropped]'); return; }
    lines++;
    const parts = [];
    for (let i = 0; i < arguments.length; i++) apply(push, parts, [text(arguments[i])]);
    let line = apply(join, parts, [' ']);
    if (line.length > MAX_CHARS) line = apply(slice, line, [0, MAX_CHARS]) + '…';
    hostLog(line);
  }
  globalThis.console = Object.freeze({ log: log, info: log, warn: log, error: log, debug: log });

  globalThis.setTimeout = function setTimeout(fn, ms) {
    if (typeof fn !== 'function') throw new TypeError('setTimeout needs a function');
    const args = [];
    for (let i = 2; i < arguments.length; i++) apply(push, args, [arguments[i]]);
    return hostSchedule(function () { return apply(fn, undefined, args); }, +ms || 0);
  };
  globalThis.clearTimeout = function clearTimeout(id) { hostCancel(+id || 0); };

  function at(path, key) {
    return typeof key === 'number' ? path + '[' + key + ']'
      : apply(test, IDENT, [key]) ? path + '.' + key : path + '[' + stringify(key) + ']';
  }

  function shown(path) {
    return path.length > 200 ? apply(slice, path, [0, 100]) + '…' + apply(slice, path, [-100]) : path;
  }

  function refuse(path, what, hint) {
    const whose = path === 'output' ? 'the returned value' : shown(path);
    throw new Invalid(whose + ' is ' + what + ', which is not JSON' + (hint ? ': ' + hint : ''));
  }

  function read(obj, key, path) {
    try { return obj[key]; } catch (e) {
      if (e !== null && typeof e === 'object' && e.name === 'InternalError') throw e;
      throw new Invalid('reading ' + shown(at(path, key)) + ' threw ' + text(e && e.message !== undefined ? e.message : e));
    }
  }

  function walk(v, path, ancestors) {
    switch (typeof v) {
      case 'string': return stringify(v);
      case 'boolean': return v ? 'true' : 'false';
      case 'number':
        if (!isFinite(v)) refuse(path, v !== v ? 'NaN' : 'an infinite number', 'return null or a string');
        return stringify(v);
      case 'undefined': refuse(path, 'undefined', 'return null for no value');
      case 'bigint': refuse(path, 'a BigInt', 'convert it with Number() or String()');
      case 'function': refuse(path, 'a function');
      case 'symbol': refuse(path, 'a symbol');
    }
    if (v === null) return 'null';
    if (apply(includes, ancestors, [v])) refuse(path, 'a reference to an object that contains it (a cycle)');
    if (ancestors.length >= MAX_DEPTH) throw new Invalid('the returned value nests more than ' + MAX_DEPTH + ' levels deep');
    if (v instanceof PromiseC) refuse(path, 'a promise', 'await it first');
    if (v instanceof MapC || v instanceof WeakMapC) refuse(path, 'a Map', 'use Object.fromEntries(map)');
    if (v instanceof SetC || v instanceof WeakSetC) refuse(path, 'a Set', 'use Array.from(set)');
    apply(push, ancestors, [v]);
    let out;
    const toJSON = read(v, 'toJSON', path);
    if (typeof toJSON === 'function') {
      let replaced;
      try { replaced = apply(toJSON, v, ['']); } catch (e) {
        if (e !== null && typeof e === 'object' && e.name === 'InternalError') throw e;
        throw new Invalid(shown(path) + '.toJSON() threw ' + text(e && e.message !== undefined ? e.message : e));
      }
      out = walk(replaced, path, ancestors);
    } else if (isArray(v)) {
      const parts = [];
      const n = v.length;
      for (let i = 0; i < n; i++) apply(push, parts, [walk(read(v, i, path), at(path, i), ancestors)]);
      out = '[' + apply(join, parts, [',']) + ']';
    } else {
      const parts = [];
      const names = keys(v);
      for (let i = 0; i < names.length; i++) {
        const k = names[i];
        apply(push, parts, [stringify(k) + ':' + walk(read(v, k, path), at(path, k), ancestors)]);
      }
      out = '{' + apply(join, parts, [',']) + '}';
    }
    apply(pop, ancestors, []);
    return out;
  }

  function settle(value) {
    try { return { json: walk(value, 'output', []) }; } catch (e) {
      if (e instanceof Invalid) return { invalid: e.message };
      throw e;
    }
  }

  function run(fn, inputText) {
    return new PromiseC(function (resolve) { resolve(fn(parse(inputText))); });
  }

  function cut(s) { return s.length > MAX_CHARS ? apply(slice, s, [0, MAX_CHARS]) + '…' : s; }

  // What was thrown, as three strings: an Error's name, message and stack, or any other value shown.
  function describe(e) {
    try {
      if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
        const name = typeof e.name === 'string' ? e.name : 'Error';
        return { name: cut(name), message: cut(e.message), stack: typeof e.stack === 'string' ? cut(e.stack) : '' };
      }
      return { name: '', message: cut(text(e)), stack: '' };
    } catch (failure) {
      return { name: '', message: 'a value that cannot be shown', stack: '' };
    }
  }

  return { run: run, settle: settle, describe: describe };
})`;
