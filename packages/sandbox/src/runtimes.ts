/**
 * @module runtimes
 * The languages a child process can run, each a runtime created the first time a job asks for it.
 */
import { createJavaScriptRuntime } from './javascript/runtime.js';
import type { Language } from './languages.js';
import { createPythonRuntime } from './python/index.js';
import type { SandboxRuntime } from './runtime.js';

export const RUNTIMES: Readonly<Record<Language, () => Promise<SandboxRuntime>>> = {
  javascript: createJavaScriptRuntime,
  python: createPythonRuntime,
};
