/**
 * @module importers/compare
 * The comparison operators of astron-agent's and Dify's if-else nodes as JSONata conditions.
 */

/** JSONata for `op` over the two sides; the same comparisons Dify's if-else offers. */
export function compare(op: string, l: string, r: string): string | undefined {
  const s = (e: string) => `$string(${e})`;
  const empty = `($not($exists(${l})) or ${l} = null or ${l} = '' or ($type(${l}) = 'array' and $count(${l}) = 0))`;
  const contains = `($type(${l}) = 'array' ? ${r} in ${l} : $contains(${s(l)}, ${s(r)}))`;
  switch (op) {
    case 'eq':
    case 'is':
    case '=':
      return `${l} = ${r}`;
    case 'ne':
    case 'is_not':
    case 'is not':
    case '≠':
    case '!=':
      return `${l} != ${r}`;
    case 'gt':
    case '>':
      return `$number(${l}) > $number(${r})`;
    case 'ge':
    case '≥':
    case '>=':
      return `$number(${l}) >= $number(${r})`;
    case 'lt':
    case '<':
      return `$number(${l}) < $number(${r})`;
    case 'le':
    case '≤':
    case '<=':
      return `$number(${l}) <= $number(${r})`;
    case 'contains':
      return contains;
    case 'not_contains':
    case 'not contains':
      return `$not(${contains})`;
    case 'start_with':
    case 'start with':
      return `$substring(${s(l)}, 0, $length(${s(r)})) = ${s(r)}`;
    case 'end_with':
    case 'end with':
      return `$length(${s(l)}) >= $length(${s(r)}) and $substring(${s(l)}, $length(${s(l)}) - $length(${s(r)})) = ${s(r)}`;
    case 'empty':
      return empty;
    case 'not_empty':
    case 'not empty':
      return `$not(${empty})`;
    case 'null':
      return `($not($exists(${l})) or ${l} = null)`;
    case 'not_null':
    case 'not null':
      return `($exists(${l}) and ${l} != null)`;
    case 'in':
      return `${l} in ${r}`;
    case 'not in':
      return `$not(${l} in ${r})`;
    default:
      return undefined;
  }
}
