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

export function ensureSandboxBuilt(): void {
  const info = join(pkg, 'dist', '.tsbuildinfo');
  if (existsSync(info) && newest(join(pkg, 'src')) <= statSync(info).mtimeMs) return;
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-b',
      join(pkg, 'tsconfig.build.json'),
    ],
    { cwd: root, stdio: 'pipe' },
  );
}
