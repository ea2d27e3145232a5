/**
 * @module dsl
 * Reading workflow definitions: text (YAML or JSON) or already-parsed data -> a validated,
 * normalised {@link WorkflowDefinition}, or every problem found, each with its path and, for
 * text, its line and column.
 *
 * @example
 * ```ts
 * const r = parseDefinition(source, { registry });
 * if (!r.ok) for (const d of r.diagnostics) console.error(`${d.line}:${d.column}: ${d.path}: ${d.message}`);
 * ```
 */
import type { NodeRegistry } from '../nodes/registry.js';
import type { Diagnostic } from './diagnostic.js';
import { toDiagnostics, type Finding, type Locator } from './findings.js';
import { checkPlainData, resolveLimits, type DslLimits } from './limits.js';
import { readText } from './parse.js';
import type { WorkflowDefinition } from './types.js';
import { validateData } from './validate.js';

export {
  DEFAULT_LIMITS,
  checkPlainData,
  resolveLimits,
  scanJsonDepth,
  type DslLimits,
} from './limits.js';
export { RESERVED_NAMES } from './graph-checks.js';
export { detectFormat, type TextFormat } from './parse.js';
export {
  workflowJsonSchema,
  WorkflowSchema,
  NodeSchema,
  EdgeSchema,
  WORKFLOW_ID_PATTERN,
  NODE_ID_PATTERN,
} from './schema.js';

/**
 * The outcome of reading a definition. On success, `diagnostics` holds warnings (possibly none);
 * on failure, the errors only.
 */
export type ParseResult =
  | { ok: true; definition: WorkflowDefinition; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Rules beyond the language's that only a host knows (the engine's cron schedules): run on a
 * definition that passed every other check, and placed in the source like the language's own.
 */
export type ExtraCheck = (
  definition: WorkflowDefinition,
) => readonly { path: readonly (string | number)[]; message: string }[];

/**
 * Another workflow language whose documents compile to Weft graphs (Serverless Workflow 1.0):
 * recognised by its own marker, translated to a Weft definition (plain data) that then goes
 * through the same validation. Its findings name paths of the document as written, so they are
 * placed in the source like the language's own.
 */
export interface Dialect {
  /** How documents of the dialect are told, for messages (`Serverless Workflow 1.0 (document.dsl)`). */
  name: string;
  recognises(value: unknown): boolean;
  translate(value: unknown): { definition?: unknown; findings: Finding[] };
}

export type { Finding } from './findings.js';

export interface ParseOptions {
  registry: NodeRegistry;
  /** Other languages accepted besides Weft's own. */
  dialects?: readonly Dialect[];
  /** Defaults to JSON when the text starts with `{`, else YAML. */
  format?: 'yaml' | 'json';
  limits?: Partial<DslLimits>;
  check?: ExtraCheck;
}

export interface ValidateOptions {
  registry: NodeRegistry;
  dialects?: readonly Dialect[];
  limits?: Partial<DslLimits>;
  check?: ExtraCheck;
}

/**
 * Text -> validated, normalised definition. Never throws on bad input: every problem found is a
 * diagnostic with its path and 1-based line and column. Limits (size, depth, YAML aliases, node
 * count) are enforced before the work they bound.
 */
export function parseDefinition(text: string, options: ParseOptions): ParseResult {
  const limits = resolveLimits(options.limits);
  const read = readText(text, options.format, limits);
  if (!read.ok) return { ok: false, diagnostics: toDiagnostics(read.findings, 'error') };
  const translated = translateDialect(read.value, options.dialects ?? [], limits);
  if (!translated.ok)
    return result(undefined, [...read.warnings, ...translated.findings], read.locator);
  const outcome = validateData(translated.value, options.registry, limits, !translated.dialect);
  const extra = extraFindings(outcome.definition, options.check);
  const own = translated.dialect
    ? compiledFindings(outcome.findings.items)
    : outcome.findings.items;
  const findings = [...read.warnings, ...own, ...extra];
  return result(extra.length > 0 ? undefined : outcome.definition, findings, read.locator);
}

type Translated =
  { ok: true; value: unknown; dialect: boolean } | { ok: false; findings: Finding[] };

const WEFT_KEYS = ['id', 'nodes', 'edges', 'states', 'kind'];

/** A document of a dialect -> Weft data; a document of no known language -> one clear error. */
function translateDialect(
  value: unknown,
  dialects: readonly Dialect[],
  limits: DslLimits,
): Translated {
  const dialect = dialects.find((d) => d.recognises(value));
  if (dialect === undefined) {
    const object = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (dialects.length > 0 && object && !WEFT_KEYS.some((k) => k in value)) {
      const others = dialects.map((d) => d.name).join(', ');
      return {
        ok: false,
        findings: [
          {
            path: [],
            severity: 'error',
            message: `this is neither a Weft workflow (no \`id\`, \`nodes\` or \`states\`) nor a document of ${others}`,
            position: { line: 1, column: 1 },
          },
        ],
      };
    }
    return { ok: true, value, dialect: false };
  }
  // The limits hold before a translator walks the document, as they do before validation.
  const plain = checkPlainData(value, limits, Math.max(2 * limits.maxBytes, 100_000));
  if (plain.problem !== undefined)
    return { ok: false, findings: [{ ...plain.problem, severity: 'error' }] };
  const t = dialect.translate(value);
  if (t.findings.some((f) => f.severity === 'error') || t.definition === undefined)
    return { ok: false, findings: t.findings };
  return { ok: true, value: t.definition, dialect: true };
}

/** Problems of a compiled graph name its paths, not the document's: said at the top, with them. */
function compiledFindings(items: readonly Finding[]): Finding[] {
  return items.map((f) => ({
    path: [],
    severity: f.severity,
    message: `in the graph compiled from this document, at ${f.path.join('.') || 'the top'}: ${f.message}`,
  }));
}

/**
 * An already-parsed value (e.g. an API JSON body) -> the same result as {@link parseDefinition},
 * without line and column. The value is not modified; the definition returned may share leaf
 * values (parameter objects) with it.
 */
export function validateDefinition(value: unknown, options: ValidateOptions): ParseResult {
  const limits = resolveLimits(options.limits);
  const translated = translateDialect(value, options.dialects ?? [], limits);
  if (!translated.ok) return result(undefined, translated.findings, undefined);
  const outcome = validateData(translated.value, options.registry, limits, false);
  const extra = extraFindings(outcome.definition, options.check);
  const own = translated.dialect
    ? compiledFindings(outcome.findings.items)
    : outcome.findings.items;
  const findings = [...own, ...extra];
  return result(extra.length > 0 ? undefined : outcome.definition, findings, undefined);
}

function extraFindings(
  definition: WorkflowDefinition | undefined,
  check: ExtraCheck | undefined,
): Finding[] {
  if (definition === undefined || check === undefined) return [];
  return check(definition).map((p) => ({ ...p, severity: 'error' }));
}

function result(
  definition: WorkflowDefinition | undefined,
  findings: Parameters<typeof toDiagnostics>[0],
  locator: Locator | undefined,
): ParseResult {
  if (definition === undefined)
    return { ok: false, diagnostics: toDiagnostics(findings, 'error', locator) };
  return { ok: true, definition, diagnostics: toDiagnostics(findings, 'warning', locator) };
}
