/**
 * @module client/local-workflows
 * The tenant's workflows: validate, publish, read and delete, with the API's shapes and errors.
 */
import { detectFormat, WeftError, type StoredWorkflow } from '@weft/core';
import type { WorkflowsApi, WorkflowVersionView } from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';

export function versionView(w: StoredWorkflow): WorkflowVersionView {
  return {
    id: w.id,
    version: w.version,
    ...(w.definition.name === undefined ? {} : { name: w.definition.name }),
    definition: w.definition as unknown as Record<string, unknown>,
    source: w.source,
    hash: w.hash,
    created_at: w.createdAt,
  };
}

/**
 * JSON text that does not parse is `malformed_json` (as the HTTP API answers it), not an invalid
 * definition: the diagnostics still say where it broke.
 */
export function checkJsonText(
  engine: ClientEngine,
  source: string | object,
  format?: 'yaml' | 'json',
): void {
  if (typeof source !== 'string' || (format ?? detectFormat(source)) !== 'json') return;
  try {
    JSON.parse(source);
  } catch {
    const { diagnostics } = engine.validate(source, { format: 'json' });
    throw new WeftError('malformed_json', 'the definition is not valid JSON', {
      details: diagnostics,
    });
  }
}

export function localWorkflows(engine: ClientEngine, tenant: string): WorkflowsApi {
  return {
    async validate(source, options = {}) {
      return engine.check(source, { ...options, tenant });
    },
    async publish(source, options = {}) {
      checkJsonText(engine, source, options.format);
      const r = await engine.publish(source, { ...options, tenant });
      return { id: r.id, version: r.version, created: r.created };
    },
    async list() {
      const rows = await engine.store.listWorkflows(tenant);
      return rows.map((w) => ({
        id: w.id,
        ...(w.name === undefined ? {} : { name: w.name }),
        latest_version: w.latestVersion,
        created_at: w.createdAt,
        updated_at: w.updatedAt,
      }));
    },
    async get(id) {
      const w = await engine.store.getWorkflow(tenant, id);
      if (w === undefined) throw new WeftError('not_found', `no workflow "${id}"`);
      return versionView(w);
    },
    async getVersion(id, version) {
      const w = await engine.store.getWorkflow(tenant, id, version);
      if (w === undefined) {
        throw new WeftError('not_found', `no version ${version} of workflow "${id}"`);
      }
      return versionView(w);
    },
    async delete(id) {
      if (!(await engine.deleteWorkflow(id, { tenant }))) {
        throw new WeftError('not_found', `no workflow "${id}"`);
      }
    },
  };
}
