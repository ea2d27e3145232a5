/**
 * @module runtimes
 * The languages a child process can run, each a runtime created the first time a job asks for it.
 */
import { createJavaScriptRuntime } from './javascript/runtime.js';
import type { Language } from './languages.js';
import type { SandboxRuntime } from './runtime.js';

/** A runtime that answers every job with the same failure: a language this build does not have. */
function unavailable(message: string): SandboxRuntime {
  return { run: () => Promise.resolve({ ok: false, code: 'code_error', message }) };
}

export const RUNTIMES: Readonly<Record<Language, () => Promise<SandboxRuntime>>> = {
  javascript: createJavaScriptRuntime,
  python: () => Promise.resolve(unavailable('Python is not available in this build')),
};
