/**
 * @module credentials/shapes
 * The credential shapes of SPEC section 8, checked by hand so that no message ever quotes a value:
 * errors name the field and what is wrong with it, never what was sent.
 */
import { WeftError, type Credential } from '@weft/core';

/** Credential names: what a workflow writes after `credential:`. */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const FIELDS: Record<Credential['type'], readonly string[]> = {
  bearer: ['value'],
  basic: ['username', 'password'],
  header: ['name', 'value'],
  openai: ['base_url', 'api_key'],
};

export const CREDENTIAL_TYPES = Object.keys(FIELDS) as Credential['type'][];

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
  if (typeof type !== 'string' || !(type in FIELDS)) {
    throw invalid([
      { path: 'type', message: `type must be one of ${CREDENTIAL_TYPES.join(', ')}` },
    ]);
  }
  const fields = FIELDS[type as Credential['type']];
  for (const key of Object.keys(v)) {
    if (key !== 'type' && !fields.includes(key)) {
      problems.push({
        path: key,
        message: `unknown field for a ${type} credential (fields: ${fields.join(', ')})`,
      });
    }
  }
  for (const f of fields) {
    const x = v[f];
    if (typeof x !== 'string' || x === '') {
      problems.push({ path: f, message: `${f} is required and must be a non-empty string` });
    } else if (/[\r\n\0]/.test(x)) {
      problems.push({ path: f, message: `${f} must not contain line breaks or NUL` });
    }
  }
  if (
    type === 'header' &&
    typeof v['name'] === 'string' &&
    v['name'] !== '' &&
    !HEADER_NAME.test(v['name'])
  ) {
    problems.push({ path: 'name', message: 'name must be an HTTP header name' });
  }
  if (type === 'openai' && typeof v['base_url'] === 'string' && v['base_url'] !== '') {
    let ok = false;
    try {
      const url = new URL(v['base_url']);
      ok =
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.username === '' &&
        url.password === '';
    } catch {
      ok = false;
    }
    if (!ok)
      problems.push({
        path: 'base_url',
        message: 'base_url must be an http or https URL without user or password',
      });
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
