/**
 * @module dsl/validate
 * Plain data -> findings and, when there are no errors, the normalised definition. The order:
 * guards that protect the rest (plain data, depth, node count), then the DSL schema, then the
 * graph, parameters, expressions and references — all of them run even when an earlier one
 * found problems, so that every problem is reported at once.
 */
import type { NodeRegistry } from '../nodes/registry.js';
import { ExpressionChecker } from './expressions.js';
import { Findings } from './findings.js';
import { checkGraph } from './graph-checks.js';
import { checkInputsSchema } from './inputs-schema.js';
import { checkPlainData, type DslLimits } from './limits.js';
import { buildLevels, countNodes, normalizedDefinition, type Level } from './normalize.js';
import { checkParams } from './params.js';
import { ReferenceChecker } from './references.js';
import { WorkflowSchema } from './schema.js';
import { schemaAccepts } from './schema-accepts.js';
import { graphSites, PatternCache, startKeySites, type Site } from './sites.js';
import { parseDuration } from '../runtime/time.js';
import { checkKind, checkStates } from './state-machine.js';
import type { WorkflowDefinition } from './types.js';
import { dslErrorMap, issuesToFindings } from './zod-issues.js';

export interface ValidateOutcome {
  findings: Findings;
  /** Set only when no error was found. */
  definition: WorkflowDefinition | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates plain data. `fromText`: the data was parsed from JSON or YAML text, whose size was
 * checked before parsing; other data has its JSON size estimated against `maxBytes`.
 */
export function validateData(
  value: unknown,
  registry: NodeRegistry,
  limits: DslLimits,
  fromText: boolean,
): ValidateOutcome {
  const measureSize = !fromText;
  const findings = new Findings();
  const none = { findings, definition: undefined };

  // Visiting a value costs at least two bytes of JSON, so this budget only bites on data that
  // expands through shared references (aliases) far beyond its text.
  const plain = checkPlainData(value, limits, Math.max(2 * limits.maxBytes, 100_000));
  if (plain.problem !== undefined) {
    findings.error(plain.problem.path, plain.problem.message);
    return none;
  }
  if (measureSize && plain.size > limits.maxBytes) {
    findings.error(
      [],
      `definition is too large: about ${plain.size} bytes as JSON (limit maxBytes = ${limits.maxBytes})`,
    );
    return none;
  }
  if (!isObject(value)) {
    findings.error(
      [],
      'a workflow definition must be a mapping (an object with `id`, `nodes`, ...)',
    );
    return none;
  }
  const count = countNodes(value);
  if (count > limits.maxNodes) {
    findings.error(
      ['nodes'],
      `too many nodes: ${count}, counting nested bodies (limit maxNodes = ${limits.maxNodes})`,
    );
    return none;
  }

  // Parsed text has only plain objects, which `schemaAccepts` can vouch for without zod's walk.
  if (!fromText || !schemaAccepts(value)) {
    const parsed = WorkflowSchema.safeParse(value, { error: dslErrorMap });
    if (!parsed.success)
      issuesToFindings(parsed.error.issues, [], findings.items, { dslHints: true });
  }
  checkKind(value, findings);

  const patterns = new PatternCache(registry);
  const checker = new ExpressionChecker();
  const sites: Site[] = [];
  const push = (s: Site): void => {
    sites.push(s);
  };
  let top: Level | undefined;
  let references: ReferenceChecker | undefined;

  if (value['kind'] === 'state-machine') {
    checkStates(value, registry, patterns, findings, push);
    startKeySites(value, push);
  } else {
    top = buildLevels(value, registry, findings);
    const defaults = isObject(value['defaults']) ? value['defaults'] : {};
    const index = checkGraph(top, registry, defaults['on_error'], findings);
    for (const graph of index.levels.values()) {
      for (const node of graph.level.nodes) {
        const type = node.type === undefined ? undefined : registry.get(node.type);
        // A `with` that is not an object is reported by the DSL schema; its parameters cannot be judged.
        const judgeable = node.raw['with'] === undefined || node.params !== undefined;
        if (type !== undefined && judgeable)
          checkParams(type, node.params, [...node.path, 'with'], patterns.of(node.type), findings);
        if (node.control !== undefined && node.raw['rate'] !== undefined) {
          findings.error(
            [...node.path, 'rate'],
            `\`rate\` limits the nodes that do work; \`${node.type}\` is driven by the engine itself`,
            { at: 'key' },
          );
        }
        if (
          type !== undefined &&
          type.flags?.spendsTokens !== true &&
          node.raw['budget'] !== undefined
        ) {
          findings.error(
            [...node.path, 'budget'],
            `\`budget\` counts the model tokens of \`llm\` and \`agent\` nodes; \`${node.type}\` spends none`,
            { at: 'key' },
          );
        }
      }
    }
    graphSites(value, top, patterns, push);
    references = new ReferenceChecker(index, top, findings);
  }

  for (const site of sites) {
    const r =
      site.mode === 'expression' ? checker.expression(site.text) : checker.template(site.text);
    if (!r.ok) {
      findings.error(
        site.path,
        r.message,
        r.offset === undefined ? undefined : { offset: r.offset },
      );
    } else if (references !== undefined) {
      references.check(site, r.roots);
    }
  }
  references?.finish();

  if (isObject(value['inputs'])) checkInputsSchema(value['inputs'], ['inputs'], findings);
  checkTriggers(value, findings);
  checkStartKeys(value, findings);

  if (findings.hasErrors()) return none;
  return {
    findings,
    definition: normalizedDefinition(
      value,
      top ?? { nodes: [], edges: [], container: undefined, parent: undefined },
    ),
  };
}

/** Webhook paths must be distinct: a request must start one workflow's run, not guess. */
function checkTriggers(root: Record<string, unknown>, findings: Findings): void {
  const triggers = root['triggers'];
  if (!Array.isArray(triggers)) return;
  const seen = new Map<string, number>();
  triggers.forEach((t: unknown, i) => {
    if (!isObject(t) || t['type'] !== 'webhook' || typeof t['path'] !== 'string') return;
    const key = `${typeof t['method'] === 'string' ? t['method'] : 'POST'} ${t['path']}`;
    const first = seen.get(key);
    if (first !== undefined)
      findings.error(
        ['triggers', i, 'path'],
        `webhook \`${key}\` is already declared at triggers[${first}]`,
      );
    else seen.set(key, i);
  });
}

/** What the schema cannot say of `singleton` and `debounce`: how they go together. */
function checkStartKeys(root: Record<string, unknown>, findings: Findings): void {
  if (isObject(root['singleton']) && isObject(root['debounce'])) {
    findings.error(
      ['debounce'],
      '`debounce` and `singleton` do not go together: a debounced start answers with a run that starts later, which a singleton could refuse then',
      { at: 'key' },
    );
  }
  const debounce = root['debounce'];
  if (!isObject(debounce) || debounce['timeout'] === undefined) return;
  const ms = (v: unknown): number | undefined => {
    try {
      return parseDuration(v);
    } catch {
      return undefined;
    }
  };
  const period = ms(debounce['period']);
  const timeout = ms(debounce['timeout']);
  if (period !== undefined && timeout !== undefined && timeout < period) {
    findings.error(
      ['debounce', 'timeout'],
      `\`timeout\` (${timeout} ms) must be at least \`period\` (${period} ms): it bounds how long a burst's first start waits, and every start waits \`period\``,
    );
  }
}
