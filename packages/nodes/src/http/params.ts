/**
 * @module http/params
 * The http node's parameters (`with:`) and the `expect_status` matcher.
 */
import { z } from 'zod';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const statusCode = z.number().int().min(100).max(599);
// `404`, `"404"` or a class such as `"2xx"`; templates render numbers to strings, so both count.
const statusPattern = z
  .string()
  .regex(/^[1-5]([0-9]{2}|xx)$/i, 'a status such as 404 or a class such as "2xx"');
const statusSpec = z.union([statusCode, statusPattern]);

/** Schema of the http node's `with:` block. */
export const httpParams = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  url: z.string().min(1),
  /** Header values may be numbers or booleans (a template's result); they are sent as text. */
  headers: z.record(z.string(), scalar).default({}),
  /** Appended to the URL's own query; an array repeats the name. */
  query: z.record(z.string(), z.union([scalar, z.array(scalar)])).default({}),
  /** Any JSON value; see `encodeBody` for how it is sent. */
  body: z.unknown().optional(),
  /** Name of a stored credential (bearer, basic, header, or openai used as bearer). */
  credential: z.string().min(1).optional(),
  /** `auto`: parse as JSON when the content-type says JSON, else text. */
  response: z.enum(['json', 'text', 'auto']).default('auto'),
  /** Statuses that count as success; anything else raises `http_status`. */
  expect_status: z.union([statusSpec, z.array(statusSpec).min(1)]).default('2xx'),
  /** Follow up to 5 redirects, re-checking each target against the SSRF guard. */
  follow_redirects: z.boolean().default(true),
});

export type HttpParams = z.infer<typeof httpParams>;

/** True when `status` is one of the expected statuses. */
export function statusMatches(status: number, expect: HttpParams['expect_status']): boolean {
  const specs = Array.isArray(expect) ? expect : [expect];
  return specs.some((spec) => {
    if (typeof spec === 'number') return spec === status;
    const s = spec.toLowerCase();
    return s.endsWith('xx') ? Math.floor(status / 100) === Number(s[0]) : Number(s) === status;
  });
}

/** `expect_status` as text for messages: `2xx`, `200, 201`. */
export function describeExpected(expect: HttpParams['expect_status']): string {
  return (Array.isArray(expect) ? expect : [expect]).map(String).join(', ');
}
