/**
 * @module sw/http
 * `sw.http`: a Serverless Workflow `call: http`.
 */
import { defineNode } from '@weft/core/plugin';
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
  stringMap,
  type Request,
} from './call.js';

export const swHttpNode = defineNode({
  type: 'sw.http',
  description:
    'A Serverless Workflow `call: http`: the endpoint (URI template or `${ }`), headers, query, body and authentication; output `content`, `response` or `raw`.',
  params: callParams({
    method: z.string(),
    endpoint: endpointSchema,
    headers: z.unknown().optional(),
    query: z.unknown().optional(),
    body: z.unknown().optional(),
  }),
  raw: CALL_RAW_PATHS,
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const w = p.with;
      const endpoint = typeof w.endpoint === 'string' ? { uri: w.endpoint } : w.endpoint;
      const request: Request = {
        method: w.method,
        url: interpolateUri(endpoint.uri, input, vars),
        headers: {
          ...stringMap(evaluateValue(w.headers, input, vars)),
          ...authHeaders(endpoint.authentication, input, vars),
        },
        query: stringMap(evaluateValue(w.query, input, vars)),
        ...(w.body === undefined ? {} : { body: evaluateValue(w.body, input, vars) }),
      };
      return shape(w.output, request, await send(ctx, request, p.instance));
    }),
});
