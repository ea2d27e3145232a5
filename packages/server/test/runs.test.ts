/**
 * Runs over HTTP: start (with and without waiting), list, read, and every lifecycle move with its
 * documented errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACME,
  openGate,
  publish,
  startTestServer,
  waitFor,
  yaml,
  type TestServer,
} from './helpers.js';

let t: TestServer;
beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.close();
});

type Json = Record<string, any>;
const body = async (res: Response): Promise<Json> => (await res.json()) as Json;

const greet = yaml`
id: greet
inputs:
  type: object
  required: [name]
  properties: { name: { type: string } }
nodes:
  - { id: hello, type: transform, with: { expression: "'Hello ' & inputs.name" } }
`;

const slow = yaml`
id: slow
nodes:
  - { id: nap, type: sleep, with: { ms: 400 } }
  - { id: after, type: set, needs: [nap], with: { values: { done: true } } }
`;

const approval = yaml`
id: approval
nodes:
  - id: ask
    type: human
    with:
      prompt: "ok?"
      schema: { type: object, required: [approved], properties: { approved: { type: boolean } } }
  - { id: after, type: transform, needs: [ask], with: { expression: "ask.approved" } }
`;

const flaky = yaml`
id: flaky
nodes:
  - { id: first, type: set, with: { values: { a: 1 } } }
  - { id: second, type: fail, needs: [first], with: { code: nope, message: "failed on purpose" } }
`;

describe('POST /v1/workflows/{id}/runs', () => {
  it('starts a run: 201 { id, status }', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs', {
      key: ACME,
      json: { input: { name: 'Ada' } },
    });
    expect(res.status).toBe(201);
    const started = await body(res);
    expect(Object.keys(started).sort()).toEqual(['id', 'status']);
    const run = await t.engine.wait(started['id']);
    expect(run.output).toBe('Hello Ada');
  });

  it('with ?wait=true answers with the finished run object', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs?wait=true', {
      key: ACME,
      json: { input: { name: 'Ada' } },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('weft-wait')).toBe('settled');
    const run = await body(res);
    expect(run).toMatchObject({
      workflow: 'greet',
      version: 1,
      status: 'succeeded',
      output: 'Hello Ada',
      error: null,
    });
    expect(run['nodes']['hello']).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: 'Hello Ada',
    });
  });

  it('bounds the wait with ?timeout= and answers with the run as it is', async () => {
    await publish(t, slow);
    const res = await t.call('/v1/workflows/slow/runs?wait=true&timeout=50', {
      key: ACME,
      json: {},
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('weft-wait')).toBe('timeout');
    expect((await body(res))['status']).toBe('running');
  });

  it('waits until a human answer is needed', async () => {
    await publish(t, approval);
    const res = await t.call('/v1/workflows/approval/runs?wait=1', { key: ACME, json: {} });
    expect(res.headers.get('weft-wait')).toBe('settled');
    const run = await body(res);
    expect(run['status']).toBe('waiting');
    expect(run['nodes']['ask']['status']).toBe('waiting');
  });

  it('starts with no body at all, and a given version', async () => {
    await publish(t, slow.replace('ms: 400', 'ms: 1'));
    await publish(t, slow.replace('ms: 400', 'ms: 2'));
    const res = await t.call('/v1/workflows/slow/runs?wait=true', { method: 'POST', key: ACME });
    expect((await body(res))['version']).toBe(2);
    const v1 = await t.call('/v1/workflows/slow/runs?wait=true', {
      key: ACME,
      json: { version: 1 },
    });
    expect((await body(v1))['version']).toBe(1);
  });

  it('returns the same run for the same idempotency key', async () => {
    await publish(t, greet);
    const a = await body(
      await t.call('/v1/workflows/greet/runs', {
        key: ACME,
        json: { input: { name: 'A' }, idempotency_key: 'k1' },
      }),
    );
    const b = await body(
      await t.call('/v1/workflows/greet/runs', {
        key: ACME,
        json: { input: { name: 'A' }, idempotency_key: 'k1' },
      }),
    );
    expect(b['id']).toBe(a['id']);
  });

  it('singleton: 201 for the run that starts, 200 with skipped for a start while it is unfinished', async () => {
    await publish(
      t,
      yaml`
id: single
inputs: { type: object, properties: { user: { type: string } } }
singleton: { key: "{{ inputs.user }}" }
nodes:
  - id: ask
    type: human
    with: { prompt: "ok?" }
`,
    );
    const start = (user: string) =>
      t.call('/v1/workflows/single/runs', { key: ACME, json: { input: { user } } });
    const first = await start('u1');
    expect(first.status).toBe(201);
    const a = await body(first);
    const again = await start('u1');
    expect(again.status).toBe(200);
    expect(await body(again)).toEqual({ id: a['id'], status: a['status'], skipped: true });
    expect((await start('u2')).status).toBe(201);
    const long = await start('x'.repeat(300));
    expect(long.status).toBe(422);
    expect((await body(long))['error']['message']).toBe(
      'singleton.key gives 300 characters: at most 256',
    );
  });

  it('debounce: 202 with the run to come, the same for every start of a burst', async () => {
    await publish(
      t,
      yaml`
id: calm
inputs: { type: object, properties: { user: { type: string }, n: { type: number } } }
debounce: { key: "{{ inputs.user }}", period: 150 }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs.n" } }
`,
    );
    const start = (n: number) =>
      t.call('/v1/workflows/calm/runs', { key: ACME, json: { input: { user: 'u', n } } });
    const first = await start(1);
    expect(first.status).toBe(202);
    const a = await body(first);
    expect(a).toMatchObject({ status: 'queued', debounced: { joined: false } });
    expect(Date.parse(a['debounced']['due_at'])).toBeGreaterThan(Date.now());
    const b = await body(await start(2));
    expect(b).toMatchObject({ id: a['id'], debounced: { joined: true } });
    expect((await t.call(`/v1/runs/${a['id']}`, { key: ACME })).status).toBe(404);
    await waitFor(async () => (await t.call(`/v1/runs/${a['id']}`, { key: ACME })).status === 200);
    const run = await body(await t.call(`/v1/runs/${a['id']}?wait=true`, { key: ACME }));
    expect(run['status']).toBe('succeeded');
    expect(run['output']).toBe(2);
  });

  it('debounce with ?wait=true: waits within the bound for the run to be made and settle', async () => {
    await publish(
      t,
      yaml`
id: calm
inputs: { type: object, properties: { user: { type: string }, n: { type: number } } }
debounce: { key: "{{ inputs.user }}", period: 500 }
nodes:
  - { id: echo, type: transform, with: { expression: "inputs.n" } }
`,
    );
    const start = (user: string, n: number, query = '') =>
      t.call(`/v1/workflows/calm/runs${query}`, { key: ACME, json: { input: { user, n } } });
    const first = await body(await start('u', 1));
    // A start that joins the burst waits for its run: made once the burst ends, then settled.
    const joined = await start('u', 2, '?wait=true');
    expect(joined.status).toBe(200);
    expect(joined.headers.get('weft-wait')).toBe('settled');
    expect(await body(joined)).toMatchObject({ id: first['id'], status: 'succeeded', output: 2 });
    // The first start of a burst: 201 once its run is made and settled.
    const alone = await start('v', 3, '?wait=true');
    expect(alone.status).toBe(201);
    expect(await body(alone)).toMatchObject({ status: 'succeeded', output: 3 });
    // A bound that passes before the run is made: the start's answer, as without a wait.
    const cut = await start('w', 4, '?wait=true&timeout=0');
    expect(cut.status).toBe(202);
    expect(cut.headers.get('weft-wait')).toBe('timeout');
    expect(await body(cut)).toMatchObject({ status: 'queued', debounced: { joined: false } });
  });

  it('answers 422 for an input that does not match the inputs schema, with details', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs', {
      key: ACME,
      json: { input: { name: 5 } },
    });
    expect(res.status).toBe(422);
    const e = (await body(res))['error'];
    expect(e['code']).toBe('invalid_input');
    expect(e['details']).toEqual([{ path: 'input.name', message: 'must be string' }]);
  });

  it('answers 422 for unknown or mistyped fields of the request', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs', {
      key: ACME,
      json: { inputs: { name: 'A' }, priority: 'high' },
    });
    expect(res.status).toBe(422);
    const e = (await body(res))['error'];
    expect(e['code']).toBe('invalid_request');
    expect(e['details'].map((d: Json) => d['path']).sort()).toEqual(['', 'priority']);
  });

  it('answers 404 for an unknown workflow or version', async () => {
    await publish(t, greet);
    expect((await t.call('/v1/workflows/nope/runs', { key: ACME, json: {} })).status).toBe(404);
    const res = await t.call('/v1/workflows/greet/runs', {
      key: ACME,
      json: { version: 9, input: { name: 'A' } },
    });
    expect(res.status).toBe(404);
    expect((await body(res))['error']['message']).toMatch(/no version 9/);
  });

  it('answers 400 for malformed JSON and for a bad query', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs', {
      method: 'POST',
      key: ACME,
      body: '{"input":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await body(res))['error']['code']).toBe('malformed_json');
    const q = await t.call('/v1/workflows/greet/runs?wait=yes', { key: ACME, json: {} });
    expect(q.status).toBe(400);
    expect((await body(q))['error']).toMatchObject({
      code: 'invalid_query',
      details: [{ path: 'wait' }],
    });
  });

  it('answers 415 for a body that is not JSON', async () => {
    await publish(t, greet);
    const res = await t.call('/v1/workflows/greet/runs', {
      method: 'POST',
      key: ACME,
      body: 'name=A',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });
});

describe('GET /v1/runs and /v1/runs/{id}', () => {
  it('lists runs newest first, filtered, a page at a time', async () => {
    await publish(t, greet);
    await publish(t, flaky);
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      ids.push(
        (
          await body(
            await t.call('/v1/workflows/greet/runs?wait=true', {
              key: ACME,
              json: { input: { name } },
            }),
          )
        )['id'],
      );
    }
    const failed = (
      await body(await t.call('/v1/workflows/flaky/runs?wait=true', { key: ACME, json: {} }))
    )['id'];
    const all = await body(await t.call('/v1/runs', { key: ACME }));
    expect(all['runs'].map((r: Json) => r['id'])).toEqual([failed, ...ids.reverse()]);
    expect(all['runs'][0]).toMatchObject({
      workflow: 'flaky',
      status: 'failed',
      error: { code: 'nope' },
    });
    expect(all['runs'][0]['nodes']).toBeUndefined();
    expect(all['cursor']).toBeUndefined();

    const onlyGreet = await body(await t.call('/v1/runs?workflow=greet&limit=2', { key: ACME }));
    expect(onlyGreet['runs'].map((r: Json) => r['id'])).toEqual(ids.slice(0, 2));
    const next = await body(
      await t.call(
        `/v1/runs?workflow=greet&limit=2&cursor=${encodeURIComponent(onlyGreet['cursor'])}`,
        { key: ACME },
      ),
    );
    expect(next['runs'].map((r: Json) => r['id'])).toEqual(ids.slice(2));
    expect(next['cursor']).toBeUndefined();

    const byStatus = await body(await t.call('/v1/runs?status=failed', { key: ACME }));
    expect(byStatus['runs'].map((r: Json) => r['id'])).toEqual([failed]);
  });

  it('answers 400 for a bad status, limit or cursor', async () => {
    for (const q of ['status=done', 'limit=0', 'limit=abc', 'limit=5000', 'cursor=garbage']) {
      const res = await t.call(`/v1/runs?${q}`, { key: ACME });
      expect(res.status, q).toBe(400);
    }
  });

  it('reads a run with every node; 404 for an unknown id', async () => {
    await publish(t, flaky);
    const id = (
      await body(await t.call('/v1/workflows/flaky/runs?wait=true', { key: ACME, json: {} }))
    )['id'];
    const res = await t.call(`/v1/runs/${id}`, { key: ACME });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('weft-event-seq'))).toBeGreaterThan(3);
    const run = await body(res);
    expect(Object.keys(run).sort()).toEqual(
      [
        'created_at',
        'error',
        'finished_at',
        'id',
        'input',
        'nodes',
        'output',
        'started_at',
        'status',
        'version',
        'workflow',
      ].sort(),
    );
    expect(run['nodes']['first']).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: { a: 1 },
    });
    expect(run['nodes']['second']).toMatchObject({
      status: 'failed',
      error: { code: 'nope', message: 'failed on purpose' },
    });
    expect((await t.call('/v1/runs/no-such-run', { key: ACME })).status).toBe(404);
  });

  it('waits on GET with ?wait=true', async () => {
    await publish(t, slow);
    const id = (await body(await t.call('/v1/workflows/slow/runs', { key: ACME, json: {} })))['id'];
    const res = await t.call(`/v1/runs/${id}?wait=true&timeout=10000`, { key: ACME });
    expect(res.headers.get('weft-wait')).toBe('settled');
    expect((await body(res))['status']).toBe('succeeded');
  });
});

describe('lifecycle', () => {
  const gated = yaml`
id: gated
nodes:
  - { id: hold, type: gate, with: { name: "{{ inputs.gate }}" } }
  - { id: next, type: set, needs: [hold], with: { values: { ok: true } } }
`;

  it('pauses, refuses a second pause (409), resumes, and refuses resuming a running run (409)', async () => {
    await publish(t, gated);
    const id = (
      await body(
        await t.call('/v1/workflows/gated/runs', { key: ACME, json: { input: { gate: 'p1' } } }),
      )
    )['id'];
    const paused = await t.call(`/v1/runs/${id}/pause`, { method: 'POST', key: ACME });
    expect(paused.status).toBe(200);
    expect(paused.headers.get('weft-event-seq')).toMatch(/^\d+$/);
    expect((await body(paused))['status']).toBe('paused');
    const again = await t.call(`/v1/runs/${id}/pause`, { method: 'POST', key: ACME });
    expect(again.status).toBe(409);
    expect((await body(again))['error']).toMatchObject({
      code: 'invalid_state',
      message: 'run is already paused',
    });
    openGate('p1');
    await waitFor(async () => (await t.engine.get(id))?.nodes['hold']?.status === 'succeeded');
    expect((await t.engine.get(id))?.nodes['next']?.status).toBe('pending');
    const resumed = await t.call(`/v1/runs/${id}/resume`, { method: 'POST', key: ACME });
    expect(resumed.status).toBe(200);
    const done = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(done['status']).toBe('succeeded');
    expect((await t.call(`/v1/runs/${id}/resume`, { method: 'POST', key: ACME })).status).toBe(409);
  });

  it('cancels with a reason (running nodes are aborted); cancelling again is 409', async () => {
    await publish(t, gated);
    const id = (
      await body(
        await t.call('/v1/workflows/gated/runs', { key: ACME, json: { input: { gate: 'never' } } }),
      )
    )['id'];
    const res = await t.call(`/v1/runs/${id}/cancel`, { key: ACME, json: { reason: 'test' } });
    expect(res.status).toBe(200);
    const run = await body(res);
    expect(run['status']).toBe('cancelled');
    expect(run['nodes']['hold']['status']).toBe('cancelled');
    expect((await t.call(`/v1/runs/${id}/cancel`, { method: 'POST', key: ACME })).status).toBe(409);
    const emptyJson = await t.call(`/v1/runs/${id}/cancel`, {
      method: 'POST',
      key: ACME,
      headers: { 'content-type': 'application/json' },
    });
    expect(emptyJson.status).toBe(409);
    expect((await t.call(`/v1/runs/${id}/cancel`, { key: ACME, json: { why: 1 } })).status).toBe(
      422,
    );
  });

  it('retries a failed run, and from a node; an unknown node is 422 and a running run 409', async () => {
    await publish(t, flaky);
    const id = (
      await body(await t.call('/v1/workflows/flaky/runs?wait=true', { key: ACME, json: {} }))
    )['id'];
    const retried = await t.call(`/v1/runs/${id}/retry`, { method: 'POST', key: ACME });
    expect(retried.status).toBe(200);
    const again = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(again['status']).toBe('failed');
    expect(again['nodes']['first']['attempts']).toBe(1);
    const unknown = await t.call(`/v1/runs/${id}/retry`, { key: ACME, json: { from: 'nope' } });
    expect(unknown.status).toBe(422);
    expect((await body(unknown))['error']['details'][0]['path']).toBe('from');
    const from = await t.call(`/v1/runs/${id}/retry`, { key: ACME, json: { from: 'first' } });
    expect(from.status).toBe(200);
    const after = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(after['nodes']['first']['attempts']).toBe(2);

    await publish(t, gated);
    const running = (
      await body(
        await t.call('/v1/workflows/gated/runs', { key: ACME, json: { input: { gate: 'r1' } } }),
      )
    )['id'];
    expect((await t.call(`/v1/runs/${running}/retry`, { method: 'POST', key: ACME })).status).toBe(
      409,
    );
    openGate('r1');
  });

  it('answers a human node; a bad answer is 422, an unknown node 422, a second answer 409', async () => {
    await publish(t, approval);
    const id = (
      await body(await t.call('/v1/workflows/approval/runs?wait=true', { key: ACME, json: {} }))
    )['id'];
    const bad = await t.call(`/v1/runs/${id}/input`, {
      key: ACME,
      json: { node: 'ask', value: { approved: 'yes' } },
    });
    expect(bad.status).toBe(422);
    expect((await body(bad))['error']).toMatchObject({
      code: 'invalid_answer',
      details: [{ path: 'value.approved', message: 'must be boolean' }],
    });
    const unknown = await t.call(`/v1/runs/${id}/input`, {
      key: ACME,
      json: { node: 'nope', value: 1 },
    });
    expect(unknown.status).toBe(422);
    expect((await body(unknown))['error']['details'][0]['path']).toBe('node');
    const missing = await t.call(`/v1/runs/${id}/input`, { key: ACME, json: { node: 'ask' } });
    expect(missing.status).toBe(422);
    expect((await body(missing))['error']['details']).toEqual([
      { path: 'value', message: 'is required' },
    ]);
    const ok = await t.call(`/v1/runs/${id}/input`, {
      key: ACME,
      json: { node: 'ask', value: { approved: true } },
    });
    expect(ok.status).toBe(200);
    const done = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(done).toMatchObject({ status: 'succeeded', output: true });
    const twice = await t.call(`/v1/runs/${id}/input`, {
      key: ACME,
      json: { node: 'ask', value: { approved: true } },
    });
    expect(twice.status).toBe(409);
    expect(
      (await t.call('/v1/runs/nope/input', { key: ACME, json: { node: 'ask', value: 1 } })).status,
    ).toBe(404);
  });

  it('refuses events for a graph run with 409 and a clear message', async () => {
    await publish(t, greet);
    const id = (
      await body(
        await t.call('/v1/workflows/greet/runs?wait=true', {
          key: ACME,
          json: { input: { name: 'A' } },
        }),
      )
    )['id'];
    const res = await t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      json: { type: 'PAY', data: { amount: 1 } },
    });
    expect(res.status).toBe(409);
    expect((await body(res))['error']['message']).toMatch(
      /graph workflow "greet": events go to state-machine runs only/,
    );
    expect((await t.call(`/v1/runs/${id}/events`, { key: ACME, json: { data: 1 } })).status).toBe(
      422,
    );
    expect(
      (await t.call('/v1/runs/nope/events', { key: ACME, json: { type: 'PAY' } })).status,
    ).toBe(404);
  });

  it('takes events for a state-machine run; one its state has no transition for is a 409', async () => {
    await publish(
      t,
      yaml`
id: door
kind: state-machine
initial: closed
context: { opened: 0 }
states:
  closed:
    on:
      OPEN: { target: open, assign: { opened: "{{ context.opened + 1 }}", by: "{{ event.who }}" } }
      LOCK: locked
  open: { on: { CLOSE: closed } }
  locked: { type: final }
`,
    );
    const id = (
      await body(await t.call('/v1/workflows/door/runs?wait=true', { key: ACME, json: {} }))
    )['id'];
    const wrong = await t.call(`/v1/runs/${id}/events`, { key: ACME, json: { type: 'CLOSE' } });
    expect(wrong.status).toBe(409);
    expect((await body(wrong))['error']).toMatchObject({
      code: 'invalid_state',
      state: 'closed',
      accepts: ['LOCK', 'OPEN'],
    });
    const opened = await t.call(`/v1/runs/${id}/events`, {
      key: ACME,
      json: { type: 'OPEN', data: { who: 'ann' } },
    });
    expect(opened.status).toBe(200);
    const view = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(view).toMatchObject({
      status: 'waiting',
      state: 'open',
      context: { opened: 1, by: 'ann' },
      accepts: ['CLOSE'],
    });
    await t.call(`/v1/runs/${id}/events`, { key: ACME, json: { type: 'CLOSE' } });
    await t.call(`/v1/runs/${id}/events`, { key: ACME, json: { type: 'LOCK' } });
    const done = await body(await t.call(`/v1/runs/${id}?wait=true`, { key: ACME }));
    expect(done).toMatchObject({
      status: 'succeeded',
      output: { state: 'locked', context: { opened: 1, by: 'ann' } },
    });
  });
});
