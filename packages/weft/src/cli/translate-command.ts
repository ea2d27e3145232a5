/**
 * @module cli/translate-command
 * `weft import astron|dify FILE` and `weft export sw FILE`: the translation of @weft/importers,
 * written to stdout or `-o FILE`. What does not translate is listed on stderr with its position
 * (`FILE:line:column: ...`); the document is still written, and the command exits 1 unless
 * `--partial` accepts it. Input that cannot be read at all exits 2, with nothing written.
 */
import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { NodeRegistry, parseDefinition } from '@weft/core';
import {
  describeUnsupported,
  exportSw,
  importAstron,
  importDify,
  toYaml,
  TranslateError,
  type Translation,
} from '@weft/importers';
import { standardNodes } from '@weft/nodes';
import { CliError, EXIT } from './exit-codes.js';
import { formatDiagnostic } from './format.js';
import { readText } from './io.js';

export interface TranslateArgs {
  direction: 'import' | 'export';
  format: string;
  file: string;
  output?: string;
  partial: boolean;
}

const FORMATS = { import: ['astron', 'dify'], export: ['sw'] } as const;

/** A workflow id from a file name: `My Flow.json` -> `my-flow`. */
function idFromFile(file: string): string {
  const base = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 64);
  return base === '' ? 'imported' : base;
}

export async function translateCommand(args: TranslateArgs): Promise<number> {
  const known: readonly string[] = FORMATS[args.direction];
  if (!known.includes(args.format)) {
    throw new CliError(
      `weft ${args.direction} ${args.format}: unknown format; weft ${args.direction} takes ${known.join(' or ')}`,
      EXIT.invalid,
    );
  }
  const text = await readText(args.file);
  let translation: Translation;
  try {
    translation =
      args.format === 'astron'
        ? importAstron(text, { id: idFromFile(args.file) })
        : args.format === 'dify'
          ? importDify(text)
          : exportSw(parsed(text, args.file), text);
  } catch (e) {
    if (!(e instanceof TranslateError)) throw e;
    throw new CliError(
      `${args.file}:${e.position.line}:${e.position.column}: ${e.message}`,
      EXIT.invalid,
    );
  }
  const from = {
    astron: 'an astron-agent canvas',
    dify: 'a Dify DSL file',
    sw: 'a Weft definition',
  }[args.format as 'astron' | 'dify' | 'sw'];
  const header = [
    `${args.direction === 'import' ? 'Imported' : 'Exported'} from ${from} (${basename(args.file)}) by weft ${args.direction} ${args.format}.`,
    ...(translation.notes.length > 0 ? ['Comments below mark what was approximated.'] : []),
    ...translation.unsupported.map(
      (u) => `Left out: ${describeUnsupported({ ...u, position: undefined })}`,
    ),
  ];
  const yaml = toYaml(translation.document, translation.notes, header);
  const problems =
    args.direction === 'import' ? checkImported(yaml, args.output ?? '<stdout>') : [];
  if (args.output === undefined) process.stdout.write(yaml);
  else await writeFile(args.output, yaml);
  for (const u of translation.unsupported) {
    const at =
      u.position === undefined ? args.file : `${args.file}:${u.position.line}:${u.position.column}`;
    process.stderr.write(
      `${at}: not translated: ${describeUnsupported({ ...u, position: undefined })}\n`,
    );
  }
  for (const p of problems) process.stderr.write(`${p}\n`);
  const left = translation.unsupported.length;
  if (left > 0 || problems.length > 0) {
    process.stderr.write(
      left > 0 && args.partial && problems.length === 0
        ? `written without the ${left} part(s) above (--partial)\n`
        : `${left > 0 ? `${left} part(s) not translated` : 'the result does not validate'}: written, but ${left > 0 ? 'see above; --partial accepts it' : 'see above'}\n`,
    );
  }
  return problems.length > 0 || (left > 0 && !args.partial) ? EXIT.failed : EXIT.ok;
}

/** The definition to export, validated; its problems end the command (exit 2). */
function parsed(text: string, file: string) {
  const r = parseDefinition(text, { registry: new NodeRegistry(standardNodes) });
  if (!r.ok) {
    throw new CliError(
      r.diagnostics.map((d) => formatDiagnostic(file, d)).join('\n'),
      EXIT.invalid,
    );
  }
  return r.definition;
}

/** The imported definition's validation problems (none, unless the translation has a bug). */
function checkImported(yaml: string, name: string): string[] {
  const r = parseDefinition(yaml, { registry: new NodeRegistry(standardNodes) });
  return r.ok ? [] : r.diagnostics.map((d) => formatDiagnostic(name, d));
}
