/**
 * @module credential-types
 * The one registry of credential types (SPEC section 8): each type's fields, which of them are
 * secret, and the rules a value must follow. The engine checks values against it, the server
 * derives its request schemas and OpenAPI document from it, and nodes get {@link Credential}s typed
 * from it. A test fails when a type is used that is not declared here.
 */

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isHttpUrlWithoutUser(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

export interface CredentialField {
  /** Write-only: never answered, listed, logged or put in an error message. */
  secret: boolean;
  description?: string;
  example?: string;
  /** A rule beyond "a non-empty string on one line"; its message names the field, never the value. */
  rule?: { test: (value: string) => boolean; message: string };
}

export interface CredentialTypeSpec {
  /** How nodes use it. */
  description: string;
  fields: Readonly<Record<string, CredentialField>>;
}

export const CREDENTIAL_REGISTRY = {
  bearer: {
    description: 'Sent as `Authorization: Bearer <value>`',
    fields: { value: { secret: true, description: 'The token' } },
  },
  basic: {
    description: 'Sent as `Authorization: Basic <base64(username:password)>`',
    fields: {
      username: { secret: false },
      password: { secret: true, description: 'The password' },
    },
  },
  header: {
    description: 'Sent as `<name>: <value>`',
    fields: {
      name: {
        secret: false,
        example: 'X-Api-Key',
        rule: { test: (v) => HEADER_NAME.test(v), message: 'name must be an HTTP header name' },
      },
      value: { secret: true, description: 'The header value' },
    },
  },
  openai: {
    description: 'For `llm`, `agent` and `knowledge` nodes: an OpenAI-compatible endpoint',
    fields: {
      base_url: {
        secret: false,
        example: 'https://api.openai.com/v1',
        rule: {
          test: isHttpUrlWithoutUser,
          message: 'base_url must be an http or https URL without user or password',
        },
      },
      api_key: { secret: true, description: 'The API key' },
    },
  },
} as const satisfies Record<string, CredentialTypeSpec>;

type Registry = typeof CREDENTIAL_REGISTRY;

export type CredentialType = keyof Registry;

/** Every declared type, in the registry's order. */
export const CREDENTIAL_TYPES = Object.keys(CREDENTIAL_REGISTRY) as CredentialType[];

/** A credential's value as a node receives it: `type` and the fields of that type. */
export type Credential = {
  [T in CredentialType]: { type: T } & { [F in keyof Registry[T]['fields']]: string };
}[CredentialType];

export function isCredentialType(type: unknown): type is CredentialType {
  return typeof type === 'string' && Object.hasOwn(CREDENTIAL_REGISTRY, type);
}

/** The fields of a type, by name. */
export function credentialFields(type: CredentialType): Readonly<Record<string, CredentialField>> {
  return CREDENTIAL_REGISTRY[type].fields;
}
