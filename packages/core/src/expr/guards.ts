/**
 * @module expr/guards
 * What the sandbox refuses, shared by the static check, the runtime hooks and the safe builtins.
 */
import { WeftError } from '../errors.js';

/** Keys that lead from data to prototypes or code. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/**
 * The keys by which jsonata recognises its own functions (`isLambda`, `isFunction`). An object
 * carrying them would be *called*, with its `body` evaluated as an unchecked AST, so data must
 * never hold them.
 */
export const MAGIC_KEYS: ReadonlySet<string> = new Set(['_jsonata_lambda', '_jsonata_function']);

/**
 * Functions jsonata created during evaluation (lambdas, partial applications, transforms, regex
 * matchers) and the builtins: the only values that may be called or passed as functions.
 */
const genuine = new WeakSet<object>();

/** Records a function value jsonata created, hiding its internals from `*`, `**` and friends. */
export function adopt(value: unknown): void {
  if (typeof value === 'function') {
    genuine.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || genuine.has(value)) return;
  if (!isFunctionLike(value)) return;
  genuine.add(value);
  // A lambda holds its closure's environment (with `bind`) and raw JS functions; enumerable,
  // they would be reachable through `**`. Thunks are consumed at once by the trampoline.
  if ((value as { thunk?: unknown }).thunk === true) return;
  hideInternals(value);
}

/** Makes every key but the marker non-enumerable. */
export function hideInternals(value: object): void {
  for (const key of Object.keys(value)) {
    if (!MAGIC_KEYS.has(key)) Object.defineProperty(value, key, { enumerable: false });
  }
  // jsonata writes the callee's name and position onto a function each time it is called.
  for (const key of ['token', 'position']) {
    if (!Object.hasOwn(value, key)) {
      Object.defineProperty(value, key, {
        value: undefined,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    }
  }
}

/**
 * Whether a function value may be called, stored or passed on: one jsonata created. Besides the
 * adopted ones, these are the closures jsonata wraps around a function passed as an argument
 * (generators carrying an own `arity`), which it creates after the argument's hook has run.
 * What the sandbox keeps out are functions read as properties: prototype methods and the
 * internals of jsonata's function objects.
 */
export function isGenuine(value: object): boolean {
  if (genuine.has(value)) return true;
  if (typeof value !== 'function' || !Object.hasOwn(value, 'arity')) return false;
  if (Object.prototype.toString.call(value) !== '[object GeneratorFunction]') return false;
  genuine.add(value);
  return true;
}

/** A JavaScript function or a jsonata function object (builtin, lambda). */
export function isFunctionLike(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  const v = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return v._jsonata_lambda === true || v._jsonata_function === true;
}

/** Throws unless `value` (or the single item of a one-item sequence) is safe to call. */
export function assertCallable(value: unknown): void {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  if (isFunctionLike(v) && !isGenuine(v as object)) {
    throw forbidden(
      typeof v === 'function'
        ? 'a JavaScript function cannot be used as a function'
        : 'an object shaped like a function cannot be called',
    );
  }
}

/** The error for anything the sandbox refuses. */
export function forbidden(message: string, details?: Record<string, unknown>): WeftError {
  return new WeftError('expression_forbidden', message, details === undefined ? {} : { details });
}
