/**
 * @module javascript/syntax
 * Finds a syntax error in a code node's JavaScript when the workflow is validated, without running
 * anything: the source is parsed as the body of the async function it becomes.
 */
import { parse } from 'acorn';

export interface SyntaxProblem {
  message: string;
  /** 1-based, in the source. */
  line: number;
  /** 1-based. */
  column: number;
}

export function checkJavaScriptSyntax(source: string): SyntaxProblem | undefined {
  try {
    parse(source, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      locations: true,
    });
    return undefined;
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    if (!(error instanceof SyntaxError) || loc === undefined) throw error;
    // acorn appends " (line:column)" to its message; the position is given apart.
    const message = error.message.replace(/ \(\d+:\d+\)$/, '');
    return { message, line: loc.line, column: loc.column + 1 };
  }
}
