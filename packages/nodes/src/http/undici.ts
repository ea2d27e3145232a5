/**
 * @module http/undici
 * undici, loaded by the first HTTP request rather than with the package: it is one of the largest
 * modules the engine imports, and a process that runs no HTTP node (one recovering runs after a
 * restart, a CLI command) should not pay for it at start.
 */
import { createRequire } from 'node:module';
import type * as UndiciModule from 'undici';

type Undici = typeof UndiciModule;

let loaded: Undici | undefined;

export function undici(): Undici {
  return (loaded ??= createRequire(import.meta.url)('undici') as Undici);
}
