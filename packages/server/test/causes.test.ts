/**
 * `GET /v1/runs/{id}` shows why a node failed when the failure came from below it: the child run's
 * error as `nodes.<id>.error.cause`, in the shape the OpenAPI document declares.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunObject } from '../src/schemas.js';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

describe('error causes over HTTP', () => {
  it('answers a failed subworkflow node with the child failure as its cause', async () => {
    await publish(
      t,
      yaml`
id: child
nodes:
  - { id: f, type: fail, with: { code: out_of_stock, message: nothing left } }
`,
    );
    await publish(
      t,
      yaml`
id: parent
nodes:
  - { id: sub, type: subworkflow, with: { workflow: child } }
`,
    );
    const started = await t.call('/v1/workflows/parent/runs?wait=true', { key: ACME, json: {} });
    const { id } = (await started.json()) as { id: string };
    const res = await t.call(`/v1/runs/${id}`, { key: ACME });
    const run = (await res.json()) as Record<string, any>;
    expect(run['nodes']['sub']['error']).toEqual({
      code: 'out_of_stock',
      message: 'subworkflow: nothing left',
      cause: { code: 'out_of_stock', message: 'nothing left' },
    });
    expect(RunObject.safeParse(run).success).toBe(true);
    const doc = (await (await t.call('/openapi.json')).json()) as Record<string, any>;
    expect(doc['components']['schemas']['RunError']['properties']).toHaveProperty('cause');
    expect(doc['components']['schemas']).toHaveProperty('ErrorCause');
  });
});
