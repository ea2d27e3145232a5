/**
 * @module importers/dify/http
 * Dify's HTTP request node as an `http` node: its header and parameter lines, its body kinds, an
 * API key, and a response read as Dify reads it (text, any status).
 */
import { pathExpr, str } from '../expr.js';
import type { WeftNode } from '../graph.js';
import { simple, type NodeContext, type Translated } from './types.js';

function headerLines(
  ctx: NodeContext,
  weft: WeftNode,
  key: string,
  text: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of str(text).split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = ctx.template(line.slice(i + 1).trim(), weft, key);
  }
  return out;
}

export function translateHttp(ctx: NodeContext): Translated {
  const d = ctx.node.data;
  const weft: WeftNode = { id: ctx.id, type: 'http', name: ctx.node.title, with: {} };
  const w = weft.with!;
  w['method'] = str(d['method'], 'get').toUpperCase();
  w['url'] = ctx.template(d['url'], weft, 'url');
  if (w['url'] === '') {
    // Not set yet in the editor: the request fails at run time, saying so.
    w['url'] = "{{ '' }}";
    ctx.build.noteParam(weft, 'url', 'the request has no URL in the DSL file: set one');
  }
  const headers = headerLines(ctx, weft, 'headers', d['headers']);
  const query = headerLines(ctx, weft, 'query', d['params']);
  const auth = d['authorization'];
  if (auth?.type === 'api-key' && auth.config) {
    const key = ctx.template(auth.config.api_key, weft, 'headers');
    const header =
      auth.config.type === 'custom' ? str(auth.config.header, 'Authorization') : 'Authorization';
    headers[header] =
      auth.config.type === 'basic'
        ? `Basic ${key}`
        : auth.config.type === 'bearer'
          ? `Bearer ${key}`
          : key;
    ctx.build.noteParam(
      weft,
      'headers',
      'the API key is written here as Dify had it: keep it in a credential (credential: NAME) instead',
    );
  }
  if (Object.keys(headers).length > 0) w['headers'] = headers;
  if (Object.keys(query).length > 0) w['query'] = query;
  const body = d['body'];
  const type = str(body?.type, 'none');
  if (type !== 'none') {
    const data = body?.data;
    if (typeof data === 'string' || (Array.isArray(data) && data.length === 1 && !data[0]?.key)) {
      const raw = typeof data === 'string' ? data : str(data[0]?.value, '');
      w['body'] = ctx.template(raw, weft, 'body');
      if (type === 'json') headers['Content-Type'] ??= 'application/json';
    } else if (Array.isArray(data)) {
      w['body'] = Object.fromEntries(
        data.map((f: any) => [str(f?.key), ctx.template(f?.value, weft, 'body')]),
      );
      if (type === 'x-www-form-urlencoded' || type === 'form-data')
        ctx.build.noteParam(weft, 'body', `Dify sent this ${type}; it is sent as JSON here`);
    }
    if (Object.keys(headers).length > 0) w['headers'] = headers;
  }
  // Dify's body is the response text: keep it text so that code reading it sees the same.
  w['response'] = 'text';
  // Dify answers every status (status_code says which); only a failed connection is an error.
  w['expect_status'] = ['1xx', '2xx', '3xx', '4xx', '5xx'];
  ctx.build.note(
    weft,
    'http: status_code is status; the body is text and any status is an answer, as in Dify',
  );
  return simple(ctx.id, [weft], (steps) => {
    const [head, ...rest] = steps;
    if (head === 'status_code') return `${ctx.id}.status`;
    if (head === 'files') return '[]';
    return pathExpr(ctx.id, [head ?? 'body', ...rest]);
  });
}
