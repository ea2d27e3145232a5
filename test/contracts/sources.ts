/**
 * The source files of every package (tests left out), for the checks that the contracts' tables
 * declare everything the code uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SourceFile {
  /** Relative to the repository, e.g. `packages/core/src/errors.ts`. */
  path: string;
  text: string;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$|test-support\.ts$/.test(entry.name)) {
      out.push(path);
    }
  }
}

/** The browser console's errors are the page's own states (a server gone), not API codes. */
const NOT_SERVING = new Set(['console']);

export function packageSources(): SourceFile[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    if (NOT_SERVING.has(pkg)) continue;
    const src = join(ROOT, 'packages', pkg, 'src');
    try {
      walk(src, files);
    } catch {
      // A package without sources has nothing to check.
    }
  }
  return files.map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));
}

/** Every match of `pattern` (global, first group = the value) with the file and line it is on. */
export function findAll(
  files: readonly SourceFile[],
  pattern: RegExp,
): { value: string; where: string; groups: string[] }[] {
  const found: { value: string; where: string; groups: string[] }[] = [];
  for (const f of files) {
    for (const m of f.text.matchAll(pattern)) {
      const line = f.text.slice(0, m.index).split('\n').length;
      found.push({ value: m[1] ?? '', where: `${f.path}:${line}`, groups: m.slice(1) });
    }
  }
  return found;
}
