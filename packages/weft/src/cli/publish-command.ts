/**
 * @module cli/publish-command
 * `weft publish FILE`: stores the definition as a new version of its workflow (the same content
 * keeps its version), on a local database or a server. Problems read as in `weft validate`.
 */
import { WeftError, type Diagnostic, type Published, type WeftClient } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';
import { formatDiagnostic } from './format.js';
import { readText } from './io.js';
import { withTarget, type TargetArgs } from './target.js';

export interface PublishArgs extends TargetArgs {
  file: string;
  json: boolean;
}

export async function publishCommand(a: PublishArgs): Promise<number> {
  const text = await readText(a.file);
  return withTarget(a, { mode: 'write' }, async (t) => {
    const published = await publishFile(t.client, a.file, text);
    const { id, version, created } = published;
    process.stdout.write(
      a.json
        ? `${JSON.stringify(published)}\n`
        : created
          ? `published ${id} version ${version}\n`
          : `${id} version ${version} is unchanged: it has the same content\n`,
    );
    return EXIT.ok;
  });
}

/**
 * Publishes a file's text through the client. An invalid definition is a CliError (exit 2) with
 * `file:line:column: path: message` lines, wherever it was checked.
 */
export async function publishFile(
  client: WeftClient,
  file: string,
  text: string,
): Promise<Published> {
  try {
    return await client.workflows.publish(text);
  } catch (e) {
    const diagnostics = diagnosticsOf(e);
    if (diagnostics === undefined) throw e;
    throw new CliError(diagnostics.map((d) => formatDiagnostic(file, d)).join('\n'), EXIT.invalid);
  }
}

function diagnosticsOf(e: unknown): Diagnostic[] | undefined {
  if (!WeftError.is(e) || (e.code !== 'invalid_definition' && e.code !== 'malformed_json')) {
    return undefined;
  }
  const details = Array.isArray(e.details) ? (e.details as Diagnostic[]) : [];
  return details.length > 0 ? details : [{ path: '', message: e.message }];
}
