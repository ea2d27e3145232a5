/**
 * @module client/local-credentials
 * The tenant's credentials over `engine.credentials`: values go in encrypted and never come out.
 */
import { WeftError, type CredentialSummary } from '@weft/core';
import type { CredentialsApi, CredentialType, CredentialView } from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';

const view = (c: CredentialSummary): CredentialView => ({
  name: c.name,
  type: c.type as CredentialType,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

export function localCredentials(engine: ClientEngine, tenant: string): CredentialsApi {
  return {
    async put(name, value) {
      const saved = await engine.credentials.put(tenant, name, value);
      return { ...view(saved), created: saved.created };
    },
    async list() {
      return (await engine.credentials.list(tenant)).map(view);
    },
    async delete(name) {
      if (!(await engine.credentials.delete(tenant, name))) {
        throw new WeftError('not_found', `no credential "${name}"`);
      }
    },
  };
}
