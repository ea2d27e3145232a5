/**
 * @module sw/openapi
 * `sw.openapi`: a Serverless Workflow `call: openapi`, the operation found in the API's document.
 */
import { defineNode, WeftError } from '@weft/core/plugin';
import { z } from 'zod';
import { evaluateValue, runTask } from './data.js';
import {
  authHeaders,
  CALL_RAW_PATHS,
  callParams,
  endpointSchema,
  interpolateUri,
  send,
  shape,
  text,
  type Request,
} from './call.js';

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string }[];
  hasBody: boolean;
}

function findOperation(doc: Record<string, unknown>, id: string): Operation | undefined {
  const paths = (doc['paths'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, item] of Object.entries(paths)) {
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const [method, op] of Object.entries(item)) {
      if (
        typeof op !== 'object' ||
        op === null ||
        (op as { operationId?: unknown }).operationId !== id
      )
        continue;
      const own = (op as { parameters?: unknown }).parameters;
      return {
        method,
        path,
        parameters: [...shared, ...(Array.isArray(own) ? own : [])] as Operation['parameters'],
        hasBody: (op as { requestBody?: unknown }).requestBody !== undefined,
      };
    }
  }
  return undefined;
}

function baseUrl(doc: Record<string, unknown>, documentUrl: string): string {
  const servers = doc['servers'];
  if (Array.isArray(servers) && typeof servers[0]?.url === 'string')
    return new URL(servers[0].url as string, documentUrl).href.replace(/\/$/, '');
  const from = new URL(documentUrl);
  const schemes = Array.isArray(doc['schemes']) ? (doc['schemes'] as string[]) : [];
  const scheme = schemes.includes(from.protocol.slice(0, -1))
    ? from.protocol.slice(0, -1)
    : (schemes[0] ?? from.protocol.slice(0, -1));
  const host = typeof doc['host'] === 'string' ? doc['host'] : from.host;
  const base = typeof doc['basePath'] === 'string' ? doc['basePath'] : '';
  return `${scheme}://${host}${base}`.replace(/\/$/, '');
}

export const swOpenApiNode = defineNode({
  type: 'sw.openapi',
  description:
    'A Serverless Workflow `call: openapi`: reads the OpenAPI (2 or 3) document, finds `operationId`, and calls it with `parameters`.',
  params: callParams({
    document: z.looseObject({ endpoint: endpointSchema }),
    operationId: z.string(),
    parameters: z.unknown().optional(),
    authentication: z.unknown().optional(),
  }),
  raw: CALL_RAW_PATHS,
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const w = p.with;
      const endpoint = w.document.endpoint;
      const docUrl = interpolateUri(
        typeof endpoint === 'string' ? endpoint : endpoint.uri,
        input,
        vars,
      );
      const docAnswer = await send(
        ctx,
        { method: 'get', url: docUrl, headers: {}, query: {} },
        p.instance,
      );
      const doc = docAnswer.body;
      if (typeof doc !== 'object' || doc === null)
        throw new WeftError('invalid_params', `${docUrl} is not an OpenAPI document (JSON)`);
      const op = findOperation(doc as Record<string, unknown>, w.operationId);
      if (op === undefined)
        throw new WeftError('invalid_params', `${docUrl} has no operation \`${w.operationId}\``);
      const args = evaluateValue(w.parameters ?? {}, input, vars) as Record<string, unknown>;
      let path = op.path;
      const query: Record<string, string> = {};
      const headers: Record<string, string> = authHeaders(w.authentication, input, vars);
      let body: unknown;
      const used = new Set<string>();
      for (const param of op.parameters) {
        const v = args[param.name];
        if (v === undefined) continue;
        used.add(param.name);
        if (param.in === 'path')
          path = path.replace(`{${param.name}}`, encodeURIComponent(text(v)));
        else if (param.in === 'query') query[param.name] = text(v);
        else if (param.in === 'header') headers[param.name] = text(v);
        else if (param.in === 'body') body = v;
      }
      if (op.hasBody && body === undefined) {
        const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !used.has(k)));
        if (Object.keys(rest).length > 0) body = rest;
      }
      const request: Request = {
        method: op.method,
        url: `${baseUrl(doc as Record<string, unknown>, docUrl)}${path}`,
        headers,
        query,
        ...(body === undefined ? {} : { body }),
      };
      return shape(w.output, request, await send(ctx, request, p.instance));
    }),
});
