/**
 * The layout's rules, checked on the sources: packages import only the packages below them
 * (boundaries.config.js), the pure core does no I/O, and no module imports itself through others.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOWED_IMPORTS, IO_MODULES } from '../boundaries.config.js';
import { findCycles, type ImportGraph } from './support/import-cycles.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const packagesDir = join(root, 'packages');

interface Module {
  file: string;
  pkg: string;
  specifiers: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Every `import … from`, `export … from` and `import('…')`, type-only ones included. */
function specifiersOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(pattern)) found.push(m[1]!);
  return found;
}

function modules(): Module[] {
  return readdirSync(packagesDir).flatMap((pkg) => {
    const src = join(packagesDir, pkg, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      return [];
    }
    return files.map((file) => ({
      file,
      pkg,
      specifiers: specifiersOf(readFileSync(file, 'utf8')),
    }));
  });
}

/** `@weft/x` and `@weft/x/entry` name package x; `weft` is the CLI package. */
function workspacePackage(specifier: string): string | undefined {
  if (specifier === 'weft') return 'weft';
  return /^@weft\/([a-z-]+)/.exec(specifier)?.[1];
}

function resolveModule(from: Module, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    return resolve(dirname(from.file), specifier).replace(/\.js$/, '.ts');
  }
  const pkg = workspacePackage(specifier);
  if (pkg === undefined || pkg === 'weft') return undefined;
  const entry = specifier.split('/')[2] ?? 'index';
  return join(packagesDir, pkg, 'src', `${entry}.ts`);
}

const all = modules();

describe('package boundaries', () => {
  it('every package is in the table of allowed imports', () => {
    const packages = [...new Set(all.map((m) => m.pkg))].sort();
    expect(packages.filter((p) => !(p in ALLOWED_IMPORTS))).toEqual([]);
  });

  it('a package imports only the packages below it', () => {
    const crossings = all.flatMap((m) =>
      m.specifiers.flatMap((s) => {
        const target = workspacePackage(s);
        if (target === undefined || target === m.pkg) return [];
        const allowed = ALLOWED_IMPORTS[m.pkg] ?? [];
        return allowed.includes(target) ? [] : [`${relative(root, m.file)} imports ${s}`];
      }),
    );
    expect(crossings).toEqual([]);
  });

  it("a package's declared dependencies stay within its allowed imports", () => {
    const packages = [...new Set(all.map((m) => m.pkg))];
    const crossings = packages.flatMap((pkg) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8'));
      const deps = Object.keys(manifest.dependencies ?? {});
      return deps
        .map((d) => workspacePackage(d))
        .filter((d): d is string => d !== undefined && !(ALLOWED_IMPORTS[pkg] ?? []).includes(d))
        .map((d) => `${pkg} depends on ${d}`);
    });
    expect(crossings).toEqual([]);
  });

  it('the core imports no module that does I/O', () => {
    const io = new Set(IO_MODULES.flatMap((m) => [m, `node:${m}`]));
    const offenders = all
      .filter((m) => m.pkg === 'core')
      .flatMap((m) =>
        m.specifiers.filter((s) => io.has(s)).map((s) => `${relative(root, m.file)}: ${s}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('import cycles', () => {
  it('no source module imports itself through others', () => {
    const graph = new Map<string, string[]>();
    for (const m of all) {
      const targets = m.specifiers
        .map((s) => resolveModule(m, s))
        .filter((t): t is string => t !== undefined);
      graph.set(
        relative(root, m.file),
        targets.map((t) => relative(root, t)),
      );
    }
    expect(findCycles(graph)).toEqual([]);
  });

  it('the cycle finder finds a cycle through three modules and a module importing itself', () => {
    const graph: ImportGraph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
  });
});
