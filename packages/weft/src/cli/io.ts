/**
 * @module cli/io
 * Reading definition files and `--input` values, with errors that say what and where.
 */
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from './exit-codes.js';

export async function readText(file: string, what = 'file'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(e);
    throw new CliError(`cannot read ${what} ${file}: ${why}`, EXIT.invalid);
  }
}

/** `--input '{"a":1}'` or `--input @file.json` (or the same for `option`). */
export async function readInput(value: string | undefined, option = '--input'): Promise<unknown> {
  if (value === undefined) return {};
  const fromFile = value.startsWith('@');
  const text = fromFile ? await readText(value.slice(1), `${option.slice(2)} file`) : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const where = fromFile ? value.slice(1) : option;
    throw new CliError(`${where} is not valid JSON: ${(e as Error).message}`, EXIT.invalid);
  }
}

/** A value given on the command line: JSON when it parses, else the text itself. */
export function parseLooseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
