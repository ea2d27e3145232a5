/**
 * @module metrics-view
 * One tenant's view of the Prometheus text exposition: samples labelled with another tenant are
 * left out. Samples without a `tenant` label (process metrics, and what the caller computed for
 * the tenant alone, such as its queue depth) are kept.
 */

/** One `name="value"` pair of a sample's label set, values escaped as the text format does. */
const LABEL = /\s*([a-zA-Z_]\w*)="((?:[^"\\\n]|\\.)*)"\s*(,|\})/y;

/** A label value as the text format writes it. */
const escapeValue = (v: string) =>
  v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

/** The escaped `tenant` label value of a sample line, or undefined when it has none. */
function tenantOf(line: string): string | undefined {
  const open = line.indexOf('{');
  const space = line.indexOf(' ');
  if (open < 0 || (space >= 0 && space < open)) return undefined;
  LABEL.lastIndex = open + 1;
  for (let m = LABEL.exec(line); m !== null; m = LABEL.exec(line)) {
    if (m[1] === 'tenant') return m[2];
    if (m[3] === '}') break;
  }
  return undefined;
}

/** The exposition `text` with only `tenant`'s samples among those labelled by tenant. */
export function onlyTenant(text: string, tenant: string): string {
  const own = escapeValue(tenant);
  return text
    .split('\n')
    .filter((line) => {
      if (line === '' || line.startsWith('#')) return true;
      const of = tenantOf(line);
      return of === undefined || of === own;
    })
    .join('\n');
}
