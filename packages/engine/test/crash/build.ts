/**
 * The crash tests' child processes run the built packages (dist/): build them first when a
 * package's sources are newer than its build, as `npm test` does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../../', import.meta.url));

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

export function ensureBuilt(): void {
  const stale = [
    'core',
    'sandbox',
    'nodes',
    'store-sqlite',
    'store-postgres',
    'engine',
    'weft',
  ].some((pkg) => {
    const info = join(root, 'packages', pkg, 'dist', '.tsbuildinfo');
    return !existsSync(info) || newest(join(root, 'packages', pkg, 'src')) > statSync(info).mtimeMs;
  });
  if (!stale) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: root,
    stdio: 'pipe',
  });
}
