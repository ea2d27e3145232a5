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
import { resolveLimits, type DslLimits } from './limits.js';
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

export interface ParseOptions {
  registry: NodeRegistry;
  /** Defaults to JSON when the text starts with `{`, else YAML. */
  format?: 'yaml' | 'json';
  limits?: Partial<DslLimits>;
  check?: ExtraCheck;
}

export interface ValidateOptions {
  registry: NodeRegistry;
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
  const outcome = validateData(read.value, options.registry, limits, true);
  const extra = extraFindings(outcome.definition, options.check);
  const findings = [...read.warnings, ...outcome.findings.items, ...extra];
  return result(extra.length > 0 ? undefined : outcome.definition, findings, read.locator);
}

/**
 * An already-parsed value (e.g. an API JSON body) -> the same result as {@link parseDefinition},
 * without line and column. The value is not modified; the definition returned may share leaf
 * values (parameter objects) with it.
 */
export function validateDefinition(value: unknown, options: ValidateOptions): ParseResult {
  const limits = resolveLimits(options.limits);
  const outcome = validateData(value, options.registry, limits, false);
  const extra = extraFindings(outcome.definition, options.check);
  const findings = [...outcome.findings.items, ...extra];
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
