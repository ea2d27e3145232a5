/**
 * @module mcp/command-line
 * Splits a stdio MCP server's command line into the program and its arguments, as a POSIX shell
 * splits words, and nothing more: no variables, globs, pipes or redirections are expanded, so that
 * a template rendered into `server` cannot run a second command. The program is started without a
 * shell.
 *
 * @example
 * ```ts
 * splitCommandLine(`npx -y "@scope/server" --root '/my files'`);
 * // ['npx', '-y', '@scope/server', '--root', '/my files']
 * ```
 */
import { WeftError } from '@weft/core/plugin';

/**
 * The words of a command line. Single quotes keep everything literally; double quotes keep
 * everything but `\"` and `\\`; outside quotes a backslash keeps the next character.
 * @throws WeftError `invalid_params` for an empty line or an unclosed quote.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) {
    throw new WeftError('invalid_params', `server command line has an unclosed ${quote} quote`);
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new WeftError('invalid_params', 'server command line is empty');
  return words;
}
