/**
 * @module dsl/parse
 * Definition text -> plain data, under the size, depth and alias limits, keeping what is needed
 * to place later diagnostics (a {@link Locator}).
 *
 * YAML goes through the `yaml` package's lexer and CST parser driven token by token, so that a
 * nesting bomb is refused as soon as the parser's stack passes the depth limit — before any
 * recursive composition and in time linear in the bytes read so far. JSON goes through
 * `JSON.parse` after a linear bracket scan; its positions are computed only if a diagnostic needs
 * them.
 */
import { Composer, isDocument, Lexer, LineCounter, Parser, visit } from 'yaml';
import type { Document } from 'yaml';
import type { Finding, Locator } from './findings.js';
import { fastYaml } from './fast-yaml.js';
import { jsonSyntaxProblem } from './json-errors.js';
import { depthMessage, scanJsonDepth, sizeFinding, utf8Length, type DslLimits } from './limits.js';
import { lazyJsonLocator, yamlLocator } from './positions.js';

export type TextFormat = 'yaml' | 'json';

export type ReadResult =
  | { ok: true; value: unknown; locator: Locator; warnings: Finding[] }
  | { ok: false; findings: Finding[] };

/** Line and column (1-based) of an offset, by counting newlines; for errors found before parsing. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** JSON when the text starts with `{` (after a BOM and blanks), YAML otherwise. */
export function detectFormat(text: string): TextFormat {
  return /^\uFEFF?\s*\{/.test(text) ? 'json' : 'yaml';
}

/** Parses definition text under the limits. Never throws on bad input. */
export function readText(
  text: string,
  format: TextFormat | undefined,
  limits: DslLimits,
): ReadResult {
  const bytes = utf8Length(text);
  if (bytes > limits.maxBytes) return { ok: false, findings: [sizeFinding(bytes, limits)] };
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') return fail(source, 0, 'the definition is empty');
  if ((format ?? detectFormat(source)) === 'json') return readJson(source, limits);
  const fast = fastYaml(source, limits.maxDepth);
  if (fast === undefined) return readYaml(source, limits);
  return { ok: true, value: fast.value, locator: lazyYamlLocator(source, limits), warnings: [] };
}

/** Positions from the careful reader, computed only if a diagnostic needs them. */
function lazyYamlLocator(text: string, limits: DslLimits): Locator {
  let inner: Locator | undefined;
  return {
    locate(path, at, offset) {
      if (inner === undefined) {
        const careful = readYaml(text, limits);
        inner = careful.ok ? careful.locator : { locate: () => undefined };
      }
      return inner.locate(path, at, offset);
    },
  };
}

function fail(text: string, offset: number, message: string): ReadResult {
  return {
    ok: false,
    findings: [{ path: [], message, severity: 'error', position: positionAt(text, offset) }],
  };
}

function readJson(text: string, limits: DslLimits): ReadResult {
  const deep = scanJsonDepth(text, limits.maxDepth);
  if (deep !== -1) return fail(text, deep, depthMessage(limits));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const problem = jsonSyntaxProblem(text) ?? {
      offset: 0,
      message: e instanceof Error ? e.message : String(e),
    };
    return fail(text, problem.offset, `invalid JSON: ${problem.message}`);
  }
  return { ok: true, value, locator: lazyJsonLocator(text), warnings: [] };
}

function readYaml(text: string, limits: DslLimits): ReadResult {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens = [];
  // The CST stack holds the document and one entry per open collection (plus at most a couple of
  // transient entries); past this, the data is certainly deeper than allowed.
  const stackLimit = limits.maxDepth + 3;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > stackLimit) return fail(text, parser.offset, depthMessage(limits));
  }
  for (const token of parser.end()) tokens.push(token);

  const composer = new Composer({ version: '1.2', uniqueKeys: true, prettyErrors: false });
  const docs: Document.Parsed[] = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0];
  if (doc === undefined || !isDocument(doc)) return fail(text, 0, 'the definition is empty');

  const pos = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const findings: Finding[] = [];
  if (docs.length > 1) {
    const second = docs[1];
    findings.push({
      path: [],
      severity: 'error',
      message: `a definition holds one workflow, but this text has ${docs.length} YAML documents`,
      position: pos(second?.range[0] ?? 0),
    });
  }
  for (const err of doc.errors) {
    findings.push({
      path: [],
      severity: 'error',
      message: `invalid YAML: ${firstLine(err.message)}`,
      position: pos(err.pos[0]),
    });
  }
  if (findings.length > 0) return { ok: false, findings };
  const warnings: Finding[] = doc.warnings.map((w) => ({
    path: [],
    severity: 'warning',
    message: `YAML: ${firstLine(w.message)}`,
    position: pos(w.pos[0]),
  }));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // `yaml` throws ReferenceErrors for aliases only; place them at the first alias.
    let first = 0;
    visit(doc, {
      Alias(_, node) {
        first = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    if (limits.maxAliases === 0)
      return fail(text, first, 'YAML aliases are not allowed (limit maxAliases = 0)');
    if (/resource exhaustion/.test(message)) {
      return fail(
        text,
        first,
        `too many YAML aliases: expanding them exceeds the limit (limit maxAliases = ${limits.maxAliases})`,
      );
    }
    return fail(text, first, `invalid YAML: ${message}`);
  }
  return { ok: true, value, locator: yamlLocator(doc, lineCounter, text), warnings };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
