/**
 * @module credentials/shapes
 * Credential values checked against core's registry (`CREDENTIAL_REGISTRY`), by hand so that no
 * message ever quotes a value: errors name the field and what is wrong with it, never what was sent.
 */
import {
  CREDENTIAL_TYPES,
  credentialFields,
  isCredentialType,
  WeftError,
  type Credential,
} from '@weft/core';

/** Credential names: what a workflow writes after `credential:`. */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

interface Problem {
  path: string;
  message: string;
}

/** @throws WeftError `invalid_request` naming the name's rules. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !CREDENTIAL_NAME.test(name)) {
    throw new WeftError(
      'invalid_request',
      'credential name: 1 to 128 letters, digits, `_`, `-` and `.`, starting with a letter or digit',
      { details: [{ path: 'name', message: 'invalid credential name' }] },
    );
  }
  return name;
}

/**
 * Checks a credential value and returns it with only its own fields.
 * @throws WeftError `invalid_request` with one detail per problem; no detail quotes a value.
 */
export function checkCredential(value: unknown): Credential {
  const problems: Problem[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid([{ path: '', message: 'a credential is an object with a `type`' }]);
  }
  const v = value as Record<string, unknown>;
  const type = v['type'];
  if (!isCredentialType(type)) {
    throw invalid([
      { path: 'type', message: `type must be one of ${CREDENTIAL_TYPES.join(', ')}` },
    ]);
  }
  const specs = credentialFields(type);
  const fields = Object.keys(specs);
  for (const key of Object.keys(v)) {
    if (key !== 'type' && !fields.includes(key)) {
      problems.push({
        path: key,
        message: `unknown field for a ${type} credential (fields: ${fields.join(', ')})`,
      });
    }
  }
  for (const [f, spec] of Object.entries(specs)) {
    const x = v[f];
    if (typeof x !== 'string' || x === '') {
      problems.push({ path: f, message: `${f} is required and must be a non-empty string` });
    } else if (/[\r\n\0]/.test(x)) {
      problems.push({ path: f, message: `${f} must not contain line breaks or NUL` });
    } else if (spec.rule !== undefined && !spec.rule.test(x)) {
      problems.push({ path: f, message: spec.rule.message });
    }
  }
  if (problems.length > 0) throw invalid(problems);
  const clean: Record<string, string> = { type };
  for (const f of fields) clean[f] = v[f] as string;
  return clean as unknown as Credential;
}

function invalid(problems: Problem[]): WeftError {
  return new WeftError(
    'invalid_request',
    `invalid credential: ${problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ')}`,
    { details: problems },
  );
}
