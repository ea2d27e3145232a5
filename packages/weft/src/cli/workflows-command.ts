/**
 * @module cli/workflows-command
 * `weft workflows list|show ID [--version N]|delete ID`: the stored workflows, on a local database
 * or a server (./target.ts). Deleting a workflow keeps its runs.
 */
import type { WorkflowVersionView } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';
import { table } from './runs-view.js';
import { withTarget, type TargetArgs } from './target.js';

export interface WorkflowsArgs extends TargetArgs {
  sub: string;
  positionals: string[];
  json: boolean;
  version?: string;
}

export async function workflowsCommand(a: WorkflowsArgs): Promise<number> {
  const id = a.positionals[0];
  if (a.sub !== 'list' && id === undefined) {
    throw new CliError(`weft workflows ${a.sub} needs a workflow id`, EXIT.invalid);
  }
  const extra = a.positionals[a.sub === 'list' ? 0 : 1];
  if (extra !== undefined) {
    throw new CliError(
      `weft workflows ${a.sub}: unexpected argument "${extra}"; see weft help workflows`,
      EXIT.invalid,
    );
  }
  const version = a.version === undefined ? undefined : versionOf(a.version);
  const mode = a.sub === 'delete' ? 'write' : 'read';
  return withTarget(a, { mode, mustExist: true }, async ({ client }) => {
    switch (a.sub) {
      case 'list': {
        const workflows = await client.workflows.list();
        process.stdout.write(
          a.json
            ? json({ workflows })
            : table([
                ['WORKFLOW', 'LATEST', 'UPDATED', 'NAME'],
                ...workflows.map((w) => [
                  w.id,
                  String(w.latest_version),
                  w.updated_at,
                  w.name ?? '',
                ]),
              ]),
        );
        return EXIT.ok;
      }
      case 'show': {
        const w =
          version === undefined
            ? await client.workflows.get(id as string)
            : await client.workflows.getVersion(id as string, version);
        process.stdout.write(a.json ? json(w) : showText(w));
        return EXIT.ok;
      }
      case 'delete':
        await client.workflows.delete(id as string);
        process.stdout.write(`deleted workflow ${id as string} (its runs are kept)\n`);
        return EXIT.ok;
      default:
        throw new CliError(
          `unknown command "workflows ${a.sub}"; see weft help workflows`,
          EXIT.invalid,
        );
    }
  });
}

function versionOf(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new CliError(
      `--version must be a version number (1 or more), not "${text}"`,
      EXIT.invalid,
    );
  }
  return Number(text);
}

/** The version's facts, then the text it was published from. */
function showText(w: WorkflowVersionView): string {
  const lines = [`workflow  ${w.id}`, `version   ${w.version}`];
  if (w.name !== undefined) lines.push(`name      ${w.name}`);
  lines.push(`created   ${w.created_at}`, `hash      ${w.hash}`, '');
  return `${lines.join('\n')}\n${w.source.endsWith('\n') ? w.source : `${w.source}\n`}`;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
