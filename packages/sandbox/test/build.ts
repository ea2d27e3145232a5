/**
 * The pool starts its children from the package's build (dist/child.js), even when the tests load
 * the pool from its sources: build the package first when a source is newer than the build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = join(root, 'packages', 'sandbox');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) t = Math.max(t, newest(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function fresh(): boolean {
  const info = join(pkg, 'dist', '.tsbuildinfo');
  return existsSync(info) && newest(join(pkg, 'src')) <= statSync(info).mtimeMs;
}

function build(): string | undefined {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', join(pkg, 'tsconfig.build.json')], {
      cwd: root,
      stdio: 'pipe',
    });
    return undefined;
  } catch (error) {
    return (error as { stdout?: Buffer }).stdout?.toString('utf8') ?? String(error);
  }
}

/** Builds the package when stale. Test files run in parallel: a build that lost a race is redone. */
export function ensureSandboxBuilt(): void {
  if (fresh() || build() === undefined) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
  if (fresh()) return;
  const failure = build();
  if (failure !== undefined) throw new Error(`the sandbox package does not build:\n${failure}`);
}
