import { describe, expect, it } from 'vitest';
import { httpParams, statusMatches } from './params.js';
import { nextHop } from './redirect.js';
import { buildRequest, type Hop } from './request.js';

const params = (input: Record<string, unknown>) => httpParams.parse(input);

describe('buildRequest', () => {
  it('appends query values to the URL and sends the idempotency key', () => {
    const { hop } = buildRequest(
      params({ url: 'https://api.example/x?a=1', query: { b: 2, c: true, d: ['x', 'y'] } }),
      'run1:n',
    );
    expect(hop.url.href).toBe('https://api.example/x?a=1&b=2&c=true&d=x&d=y');
    expect(hop.headers['idempotency-key']).toBe('run1:n');
    expect(hop.headers['user-agent']).toBe('weft');
    expect(hop.method).toBe('GET');
    expect(hop.body).toBeUndefined();
  });

  it.each<[unknown, Record<string, string>, string, string]>([
    [{ a: 1 }, {}, '{"a":1}', 'application/json'],
    ['hi', {}, '"hi"', 'application/json'],
    ['a,b', { 'Content-Type': 'text/csv' }, 'a,b', 'text/csv'],
    [
      { a: 1 },
      { 'content-type': 'application/merge-patch+json' },
      '{"a":1}',
      'application/merge-patch+json',
    ],
    [
      { a: 'x y', b: [1, 2] },
      { 'content-type': 'application/x-www-form-urlencoded' },
      'a=x+y&b=1&b=2',
      'application/x-www-form-urlencoded',
    ],
    [null, {}, 'null', 'application/json'],
  ])('encodes body %j with headers %j', (body, headers, sent, type) => {
    const { hop } = buildRequest(
      params({ method: 'POST', url: 'https://api.example/', body, headers }),
      'k',
    );
    expect(hop.body).toBe(sent);
    expect(hop.headers['content-type']).toBe(type);
  });

  it.each([
    [{ type: 'bearer', value: 'tok-123456' }, 'authorization', 'Bearer tok-123456'],
    [
      { type: 'openai', base_url: 'https://x', api_key: 'sk-abcdef' },
      'authorization',
      'Bearer sk-abcdef',
    ],
    [
      { type: 'basic', username: 'ann', password: 'pa:ss' },
      'authorization',
      `Basic ${Buffer.from('ann:pa:ss').toString('base64')}`,
    ],
    [{ type: 'header', name: 'X-Api-Key', value: 'key-987654' }, 'x-api-key', 'key-987654'],
  ] as const)(
    'sends a %j credential and marks its header sensitive',
    (credential, header, value) => {
      const built = buildRequest(params({ url: 'https://api.example/' }), 'k', credential);
      expect(built.hop.headers[header]).toBe(value);
      expect(built.sensitiveHeaders.has(header)).toBe(true);
      expect(built.secrets.length).toBeGreaterThan(0);
    },
  );

  it.each([
    ['not a url', /not a valid URL/],
    ['ftp://example.com/', /ftp: URLs are not supported/],
    ['file:///etc/passwd', /file: URLs are not supported/],
    ['https://user:pw@example.com/', /credentials in the URL/],
  ])('refuses %s', (url, message) => {
    expect(() => buildRequest(params({ url }), 'k')).toThrow(
      expect.objectContaining({ code: 'invalid_url', message: expect.stringMatching(message) }),
    );
  });
});

describe('nextHop', () => {
  const hop: Hop = {
    url: new URL('https://a.example/start'),
    method: 'POST',
    headers: {
      authorization: 'Bearer s',
      'content-type': 'application/json',
      'x-api-key': 'k',
      accept: 'x',
    },
    body: '{}',
  };
  const sensitive = new Set(['authorization', 'x-api-key']);

  it.each([
    [301, 'GET', undefined],
    [302, 'GET', undefined],
    [303, 'GET', undefined],
    [307, 'POST', '{}'],
    [308, 'POST', '{}'],
  ])('%i turns POST into %s', (status, method, body) => {
    const next = nextHop(hop, status, '/next', sensitive);
    expect(next.method).toBe(method);
    expect(next.body).toBe(body);
    expect(next.url.href).toBe('https://a.example/next');
    expect('content-type' in next.headers).toBe(body !== undefined);
    expect(next.headers['authorization']).toBe('Bearer s');
  });

  it('keeps PUT on 301/302 but not on 303', () => {
    const put = { ...hop, method: 'PUT' };
    expect(nextHop(put, 302, '/n', sensitive).method).toBe('PUT');
    expect(nextHop(put, 303, '/n', sensitive).method).toBe('GET');
    expect(nextHop({ ...hop, method: 'HEAD' }, 303, '/n', sensitive).method).toBe('HEAD');
  });

  it.each(['https://b.example/next', 'http://a.example/next', 'https://a.example:8443/next'])(
    'drops credentials when leaving the origin for %s',
    (location) => {
      const next = nextHop(hop, 307, location, sensitive);
      expect(next.headers['authorization']).toBeUndefined();
      expect(next.headers['x-api-key']).toBeUndefined();
      expect(next.headers['accept']).toBe('x');
    },
  );

  it('refuses redirects to other schemes', () => {
    expect(() => nextHop(hop, 302, 'file:///etc/passwd', sensitive)).toThrow(
      expect.objectContaining({ code: 'invalid_url' }),
    );
  });
});

describe('statusMatches', () => {
  it.each<[number, unknown, boolean]>([
    [200, '2xx', true],
    [204, '2xx', true],
    [301, '2xx', false],
    [404, 404, true],
    [404, '404', true],
    [404, [200, '4XX'], true],
    [500, [200, 201], false],
  ])('%i against %j: %s', (status, expect_status, ok) => {
    expect(statusMatches(status, params({ url: 'https://x/', expect_status }).expect_status)).toBe(
      ok,
    );
  });

  it('rejects malformed expectations', () => {
    expect(httpParams.safeParse({ url: 'https://x/', expect_status: '6xx' }).success).toBe(false);
    expect(httpParams.safeParse({ url: 'https://x/', expect_status: 99 }).success).toBe(false);
    expect(httpParams.safeParse({ url: 'https://x/', expect_status: [] }).success).toBe(false);
  });
});
