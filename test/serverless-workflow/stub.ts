/**
 * The hosts the conformance kit calls, served locally: a petstore (its REST endpoints and its
 * OpenAPI 2 document) and httpbin's basic-auth check. The tests map the kit's public hosts to
 * this server's address; nothing goes to the network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const pets = [
  { id: 1, name: 'Milou', status: 'available' },
  { id: 2, name: 'Rantanplan', status: 'available' },
  { id: 3, name: 'Idefix', status: 'sold' },
];

function swagger(base: string): unknown {
  const url = new URL(base);
  return {
    swagger: '2.0',
    info: { title: 'Swagger Petstore', version: '1.0.7' },
    host: url.host,
    basePath: '/v2',
    schemes: ['http'],
    paths: {
      '/pet/findByStatus': {
        get: {
          operationId: 'findPetsByStatus',
          parameters: [{ name: 'status', in: 'query', required: true, type: 'array' }],
        },
      },
      '/pet/{petId}': {
        get: {
          operationId: 'getPetById',
          parameters: [{ name: 'petId', in: 'path', required: true, type: 'integer' }],
        },
      },
    },
  };
}

export interface Stub {
  url: string;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  const requests: Stub['requests'] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = url.pathname;
    if (path === '/v2/swagger.json') return json(200, swagger(base));
    if (path === '/v2/pet/findByStatus') {
      const status = url.searchParams.get('status');
      return json(
        200,
        pets.filter((p) => p.status === status),
      );
    }
    const byId = /^\/v2\/pet\/(\d+)$/.exec(path);
    if (byId !== null) {
      const pet = pets.find((p) => p.id === Number(byId[1]));
      return pet === undefined ? json(404, { code: 1, message: 'Pet not found' }) : json(200, pet);
    }
    const auth = /^\/basic-auth\/([^/]+)\/([^/]+)$/.exec(path);
    if (auth !== null) {
      const expected = `Basic ${Buffer.from(`${auth[1]}:${auth[2]}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return json(401, { authenticated: false });
      return json(200, { authenticated: true, user: auth[1] });
    }
    return json(404, { code: 404, message: `no ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The kit's public hosts, pointed at the stub. */
export function mapHosts(text: string, stub: string): string {
  return text
    .replaceAll('https://petstore.swagger.io', stub)
    .replaceAll('https://httpbin.org', stub);
}
