/**
 * @module http-client
 * `httpClient({ url, key })`: the {@link WeftClient} of the tenant a server's API key belongs to,
 * over the HTTP API (SPEC section 8) with the global fetch.
 *
 * @example
 * ```ts
 * const client = httpClient({ url: 'http://127.0.0.1:8080', key: process.env.WEFT_KEY });
 * const { run } = await client.runs.run('triage', { input: { text: 'hi' }, timeoutMs: 60_000 });
 * ```
 */
import type {
  CredentialsApi,
  CredentialView,
  DefinitionOptions,
  NodesApi,
  NodeTestResult,
  Published,
  Validation,
  WeftClient,
  WorkflowItem,
  WorkflowsApi,
  WorkflowVersionView,
} from '@weft/core/client';
import { Http, seg, type HttpClientOptions } from './http.js';
import { httpRuns } from './http-runs.js';

/** The body of a definition: objects as JSON, text as JSON when it looks like it (as the engine reads it). */
function definitionBody(source: string | object, o: DefinitionOptions) {
  if (typeof source !== 'string') return { text: JSON.stringify(source), type: 'application/json' };
  const format = o.format ?? (/^\uFEFF?\s*\{/.test(source) ? 'json' : 'yaml');
  return { text: source, type: format === 'json' ? 'application/json' : 'application/yaml' };
}

function httpWorkflows(http: Http): WorkflowsApi {
  const at = (id: string) => `/v1/workflows/${seg(id)}`;
  return {
    validate: (source, o = {}) =>
      http.json<Validation>('POST', '/v1/workflows', {
        query: { dry_run: 'true' },
        body: definitionBody(source, o),
      }),
    publish: (source, o = {}) =>
      http.json<Published>('POST', '/v1/workflows', { body: definitionBody(source, o) }),
    list: async () =>
      (await http.json<{ workflows: WorkflowItem[] }>('GET', '/v1/workflows')).workflows,
    get: (id) => http.json<WorkflowVersionView>('GET', at(id)),
    getVersion: (id, v) => http.json<WorkflowVersionView>('GET', `${at(id)}/versions/${seg(v)}`),
    async delete(id) {
      await http.send('DELETE', at(id));
    },
  };
}

function httpCredentials(http: Http): CredentialsApi {
  const at = (name: string) => `/v1/credentials/${seg(name)}`;
  return {
    async put(name, value) {
      const res = await http.send('PUT', at(name), { json: value });
      return { ...((await res.json()) as CredentialView), created: res.status === 201 };
    },
    list: async () =>
      (await http.json<{ credentials: CredentialView[] }>('GET', '/v1/credentials')).credentials,
    async delete(name) {
      await http.send('DELETE', at(name));
    },
  };
}

/** Node tests: a definition as an object, or its text (YAML or JSON) as a string. */
function httpNodes(http: Http): NodesApi {
  return {
    test: ({ definition, node, scope, format }, o = {}) =>
      http.json<NodeTestResult>('POST', '/v1/nodes/test', {
        ...(o.signal === undefined ? {} : { signal: o.signal }),
        json: {
          definition,
          node,
          ...(scope === undefined ? {} : { scope }),
          ...(format === undefined ? {} : { format }),
        },
      }),
  };
}

export function httpClient(options: HttpClientOptions): WeftClient {
  const http = new Http(options);
  return {
    workflows: httpWorkflows(http),
    runs: httpRuns(http),
    credentials: httpCredentials(http),
    nodes: httpNodes(http),
  };
}
