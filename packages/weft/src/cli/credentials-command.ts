/**
 * @module cli/credentials-command
 * `weft credentials set NAME --type T --FIELD VALUE...`, `weft credentials list` and
 * `weft credentials delete NAME`: the secrets nodes use (`credential:` in a node), on a local
 * database or a server (./target.ts). Values are write-only: they are encrypted before they are
 * stored and never printed. Each type's fields come from the one credential registry, so a type
 * the API accepts is one this command accepts: a field `base_url` is the option `--base-url`.
 */
import { CREDENTIAL_TYPES, credentialFields, isCredentialType } from '@weft/core';
import type { CredentialInput } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';
import { table } from './runs-view.js';
import { withTarget, type TargetArgs } from './target.js';

export interface CredentialsArgs extends TargetArgs {
  sub: string;
  positionals: string[];
  json: boolean;
  type?: string | undefined;
  /** The field options given (`base-url`, `api-key`, `value`, ...), by option name. */
  fields: Record<string, string | undefined>;
}

/** Every field option of every type: `--base-url` for `base_url`. */
export const CREDENTIAL_FIELD_OPTIONS = [
  ...new Set(CREDENTIAL_TYPES.flatMap((t) => Object.keys(credentialFields(t)).map(optionOf))),
];

function optionOf(field: string): string {
  return field.replace(/_/g, '-');
}

export async function credentialsCommand(a: CredentialsArgs): Promise<number> {
  const name = a.positionals[0];
  if (a.sub !== 'list' && name === undefined) {
    throw new CliError(`weft credentials ${a.sub} needs a credential name`, EXIT.invalid);
  }
  const extra = a.positionals[a.sub === 'list' ? 0 : 1];
  if (extra !== undefined) {
    throw new CliError(
      `weft credentials ${a.sub}: unexpected argument "${extra}"; see weft help credentials`,
      EXIT.invalid,
    );
  }
  const value = a.sub === 'set' ? valueOf(a) : undefined;
  const mode = a.sub === 'list' ? 'read' : 'write';
  return withTarget(a, { mode, mustExist: a.sub !== 'set' }, async ({ client }) => {
    switch (a.sub) {
      case 'set': {
        const saved = await client.credentials.put(name as string, value as CredentialInput);
        process.stdout.write(
          a.json
            ? `${JSON.stringify(saved)}\n`
            : `${saved.created ? 'created' : 'replaced'} credential ${saved.name} (${saved.type})\n`,
        );
        return EXIT.ok;
      }
      case 'list': {
        const credentials = await client.credentials.list();
        process.stdout.write(
          a.json
            ? `${JSON.stringify({ credentials })}\n`
            : table([
                ['NAME', 'TYPE', 'UPDATED'],
                ...credentials.map((c) => [c.name, c.type, c.updated_at]),
              ]),
        );
        return EXIT.ok;
      }
      case 'delete':
        await client.credentials.delete(name as string);
        process.stdout.write(`deleted credential ${name as string}\n`);
        return EXIT.ok;
      default:
        throw new CliError(
          `unknown command "credentials ${a.sub}"; see weft help credentials`,
          EXIT.invalid,
        );
    }
  });
}

/** The credential's value from `--type` and the options of that type's fields. */
function valueOf(a: CredentialsArgs): CredentialInput {
  const types = CREDENTIAL_TYPES.join(', ');
  if (a.type === undefined) {
    throw new CliError(`weft credentials set needs --type (${types})`, EXIT.invalid);
  }
  if (!isCredentialType(a.type)) {
    throw new CliError(
      `--type ${a.type} is not a credential type; the types: ${types}`,
      EXIT.invalid,
    );
  }
  const fields = Object.keys(credentialFields(a.type));
  const wanted = fields.map(optionOf);
  const stray = Object.keys(a.fields).filter(
    (o) => a.fields[o] !== undefined && !wanted.includes(o),
  );
  const missing = wanted.filter((o) => a.fields[o] === undefined);
  if (stray.length > 0 || missing.length > 0) {
    const problem =
      missing.length > 0
        ? `needs ${missing.map((o) => `--${o}`).join(', ')}`
        : `does not take ${stray.map((o) => `--${o}`).join(', ')}`;
    throw new CliError(
      `a credential of type ${a.type} ${problem}; its options: ${wanted.map((o) => `--${o}`).join(', ')}`,
      EXIT.invalid,
    );
  }
  const value: Record<string, string> = { type: a.type };
  for (const field of fields) value[field] = a.fields[optionOf(field)] as string;
  return value as CredentialInput;
}
