/**
 * @module translate/data-flow
 * The data that flows from task to task: the output of the node before, read by the next node's
 * `input` template. Where several exits may lead to one node, the expression picks the one that
 * ran; `$context` (set by `export.as`) flows the same way.
 */
import type { Exit } from './types.js';

// An exit from no node (`from: ''`: the start of a loop body) is always the way taken.
const takenOf = (e: Exit): string => e.taken ?? (e.from === '' ? 'true' : `$exists(${e.from})`);

export class DataFlow {
  /** @param order the rank of each node id, in the order the nodes were made */
  constructor(private readonly order: ReadonlyMap<string, number>) {}

  /** The data expression of an exit list: the one that ran, when several may have. */
  expression(exits: Exit[]): string {
    const real = this.dedupe(exits);
    if (real.length <= 1) return real[0]?.data ?? 'inputs';
    return real
      .slice(0, -1)
      .reduceRight(
        (rest, e) => `(${takenOf(e)} ? ${e.data} : ${rest})`,
        real[real.length - 1]!.data,
      );
  }

  template(exits: Exit[]): string {
    return `{{ ${this.expression(exits)} }}`;
  }

  /** `$context` after a list of exits, as a template; none when no `export` set it. */
  contextTemplate(exits: Exit[]): string | undefined {
    const withContext = this.dedupe(exits).filter((e) => e.context !== undefined);
    if (withContext.length === 0) return undefined;
    const expr = withContext.reduceRight(
      (rest, e) => `(${takenOf(e)} ? ${e.context} : ${rest})`,
      'null',
    );
    return `{{ ${expr} }}`;
  }

  contextOf(exits: Exit[]): { context?: string } {
    const t = this.contextTemplate(exits);
    return t === undefined ? {} : { context: t.slice(3, -3) };
  }

  /** The exit of a node that outputs the task's data. */
  exitOf(id: string, into: Exit[]): Exit {
    return { from: id, data: id, ...this.contextOf(into) };
  }

  /**
   * When several exits may lead to a node, the one that ran last is the one that led there: a
   * document's flow runs one task at a time, and a `switch` that routed elsewhere has still run.
   * Nodes are made in flow order, so the later made is checked first.
   */
  private dedupe(exits: Exit[]): Exit[] {
    const seen = new Set<string>();
    const rank = (e: Exit): number => this.order.get(e.from) ?? -1;
    return [...exits]
      .sort((a, b) => rank(b) - rank(a))
      .filter((e) => {
        const key = `${e.from}\u0000${e.data}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
}
