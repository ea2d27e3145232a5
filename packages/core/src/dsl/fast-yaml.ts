/**
 * @module dsl/fast-yaml
 * A fast first reading of YAML with js-yaml (about ten times faster than the `yaml` package on a
 * 10,000-node definition), used only where it cannot differ from the careful reading: no anchors or
 * aliases (whose expansion the careful reader bounds), nothing nested deep enough to strain js-yaml's
 * recursion, one document, no syntax error. Everything else — and the positions of diagnostics —
 * comes from the careful reader in `parse.ts`.
 */
import jsyaml from 'js-yaml';

/** Anything that might be an anchor (`&a`), an alias (`*a`) or a tag (`!t`) outside quotes. */
const MAYBE_ALIAS = /(?:^|[\s[{,:-])[&*!][^\s,[\]{}]/m;

/** A bound on the nesting of block and flow collections, without parsing. */
function mayBeDeeperThan(text: string, maxDepth: number): boolean {
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      // Spaces and `- ` markers at the start of a line each open at most one level.
      if (c === 0x20 || (c === 0x2d && text.charCodeAt(i + 1) === 0x20)) {
        if (++indent > maxDepth) return true;
        continue;
      }
      lineStart = false;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++flow > maxDepth) return true;
    } else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
  }
  return false;
}

/** The data of the text, or undefined when the careful reader must decide. */
export function fastYaml(text: string, maxDepth: number): { value: unknown } | undefined {
  if (MAYBE_ALIAS.test(text) || mayBeDeeperThan(text, maxDepth)) return undefined;
  try {
    return { value: jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}
