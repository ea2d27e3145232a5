/**
 * @module expr/roots
 * Which scope entries an expression reads: the first step of every path evaluated against the
 * root. The compiler orders and validates references with it, and the evaluator checks only
 * these entries before running.
 */
import { forEachChild, type AstNode } from './ast.js';

export interface RootReads {
  roots: string[];
  /** Reads the root as a whole (`$$`, `*`, `$keys($)`...): every entry matters. */
  readsWholeScope: boolean;
}

/** The roots read by `ast`, in order of first appearance. */
export function collectRoots(ast: AstNode): RootReads {
  const found = new Set<string>();
  const reads = { whole: false };
  visit(ast, true, found, reads);
  return { roots: [...found], readsWholeScope: reads.whole };
}

/** `$$` anywhere, or `$` where the context is the root. */
function isRootReference(node: AstNode, atRoot: boolean): boolean {
  return node.type === 'variable' && (node.value === '$' || (node.value === '' && atRoot));
}

function visit(
  node: AstNode,
  atRoot: boolean,
  found: Set<string>,
  reads: { whole: boolean },
): void {
  const relative = (child: AstNode | undefined) => {
    if (child !== undefined) visit(child, false, found, reads);
  };
  const same = (child: AstNode | undefined) => {
    if (child !== undefined) visit(child, atRoot, found, reads);
  };
  switch (node.type) {
    case 'path': {
      const steps = node.steps ?? [];
      const first = steps[0];
      if (first === undefined) return;
      let rest = 1;
      if (isRootReference(first, atRoot) && first.predicate === undefined) {
        // `$$.a` reads `a` from the root wherever it appears.
        const second = steps[1];
        if (second === undefined) reads.whole = true;
        else visit(second, true, found, reads);
        rest = 2;
      } else {
        visit(first, atRoot, found, reads);
      }
      // Later steps read from the previous step's items.
      for (const step of steps.slice(rest)) visit(step, false, found, reads);
      if (node.group !== undefined) for (const pair of node.group.lhs) pair.forEach(relative);
      return;
    }
    case 'name':
      if (atRoot) found.add(String(node.value));
      break;
    case 'variable':
      if (isRootReference(node, atRoot)) reads.whole = true;
      break;
    case 'wildcard':
    case 'descendant':
      if (atRoot) reads.whole = true;
      break;
    case 'transform':
      // Pattern and update apply to the object being transformed, not to the scope.
      relative(node.pattern);
      relative(node.update);
      relative(node.delete);
      return;
    case 'sort':
      for (const term of node.terms ?? []) relative(term.expression);
      return;
    default:
      // Operands, arguments, conditions, blocks, constructors and lambda bodies all see the
      // context their parent sees.
      forEachChild(node, (child) => {
        if (isFilterOrGroup(node, child)) return;
        same(child);
      });
  }
  // Predicates and group-bys apply to the node's own result.
  for (const filter of node.predicate ?? []) relative(filter.expr);
  for (const stage of node.stages ?? []) relative(stage.expr);
  if (node.group !== undefined) for (const pair of node.group.lhs) pair.forEach(relative);
}

/** Children the default case must leave to the predicate/group handling. */
function isFilterOrGroup(node: AstNode, child: AstNode): boolean {
  return (
    (node.predicate?.includes(child) ?? false) ||
    (node.stages?.includes(child) ?? false) ||
    (node.group?.lhs.some((pair) => pair.includes(child)) ?? false)
  );
}
