/**
 * Human steps and run control through the CLI on a local database (issue 3, SPEC section 9):
 * `weft runs input|cancel|pause|resume|retry`, including the illegal moves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  lines,
  parseJson,
  requireBuild,
  sandbox,
  type CliResult,
  type Sandbox,
} from './harness.js';

beforeAll(() => requireBuild());

/**
 * The groups below run side by side, each on a directory and database of its own (a database is
 * held by one writing process at a time); the steps inside a group run in order.
 */
function group(name: string, body: (box: Sandbox) => void): void {
  describe(name, { concurrent: true }, () => {
    // Filled in when the group starts, so that collecting the tests creates nothing on disk.
    const box = {} as Sandbox;
    beforeAll(() => {
      Object.assign(box, sandbox());
    });
    afterAll(() => box.remove?.());
    body(box);
  });
}
const step = it.sequential;

const show = async (box: Sandbox, id: string) => {
  const r = await box.weft(['runs', 'show', id, '--json']);
  expectExit(r, 0);
  return parseJson(r);
};
const eventsOf = async (box: Sandbox, id: string) => {
  const r = await box.weft(['runs', 'events', id, '--json']);
  expectExit(r, 0);
  return lines(r.stdout).map(
    (l) => JSON.parse(l) as { seq: number; type: string; node?: string; data?: any },
  );
};
/** Starts human.yaml and returns the id of the run left waiting. */
const waitingHumanRun = async (box: Sandbox, amount: number) => {
  const r = await box.weft([
    'run',
    example('human.yaml'),
    '--input',
    JSON.stringify({ amount }),
    '--json',
  ]);
  expectExit(r, 3);
  const run = parseJson<{ id: string; status: string }>(r);
  expect(run.status).toBe('waiting');
  return run.id;
};

group('human steps: weft runs input', (box) => {
  let id = '';
  beforeAll(async () => {
    id = await waitingHumanRun(box, 1200);
  }, 60_000);

  step(
    'an answer that does not match the schema exits 2, says why, and the run still waits',
    { timeout: 120_000 },
    async () => {
      const r = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'approve',
        '--value',
        '{"approved": "yes"}',
      ]);
      expectExit(r, 2);
      expect(r.stderr).toMatch(/invalid_answer: .*approved must be boolean/);
      const run = await show(box, id);
      expect(run.status).toBe('waiting');
      expect(run.nodes.approve.status).toBe('waiting');
    },
  );

  step(
    'answering a node that is not a waiting human step exits 1 and names it',
    { timeout: 120_000 },
    async () => {
      const pending = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'decide',
        '--value',
        '{"approved": true}',
      ]);
      expectExit(pending, 1);
      expect(pending.stderr).toMatch(/"decide"/);
      const unknown = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'nobody',
        '--value',
        '{"approved": true}',
      ]);
      expectExit(unknown, 1);
      expect(unknown.stderr).toMatch(/"nobody"/);
    },
  );

  step(
    'a valid answer carries the run on to the end: exit 0 and the outputs on stdout',
    { timeout: 120_000 },
    async () => {
      const r = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'approve',
        '--value',
        '{"approved": true, "comment": "ok"}',
      ]);
      expectExit(r, 0);
      expect(parseJson(r)).toEqual({ answer: { approved: true, comment: 'ok' }, paid: 1200 });
      expect(r.stderr).toMatch(/^✓ pay \d+(\.\d+)?m?s$/m);
      expect(r.stderr).toMatch(/^- expired skipped$/m);
      const run = await show(box, id);
      expect(run).toMatchObject({
        status: 'succeeded',
        nodes: {
          approve: { status: 'succeeded', output: { approved: true, comment: 'ok' } },
          expired: { status: 'skipped' },
        },
      });
    },
  );

  step(
    'answering again, once the node is done, exits 1 with a clear message',
    { timeout: 120_000 },
    async () => {
      const r = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'approve',
        '--value',
        '{"approved": false}',
      ]);
      expectExit(r, 1);
      expect(r.stderr).toMatch(/approve.*not waiting/);
      expect((await show(box, id)).output).toEqual({
        answer: { approved: true, comment: 'ok' },
        paid: 1200,
      });
    },
  );

  step('with --json the answer prints the run object', { timeout: 120_000 }, async () => {
    const other = await waitingHumanRun(box, 7);
    const r = await box.weft([
      'runs',
      'input',
      other,
      '--node',
      'approve',
      '--value',
      '{"approved": false}',
      '--json',
    ]);
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({
      id: other,
      status: 'succeeded',
      output: { answer: { approved: false }, paid: 0 },
    });
  });
});

group('human steps inside a foreach: answered by path', (box) => {
  let id = '';
  beforeAll(async () => {
    box.write(
      'each.yaml',
      `id: approve-each
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2]", concurrency: 2 }
    nodes:
      - id: ask
        type: human
        with:
          prompt: "ok?"
          schema: { type: object, required: [ok], properties: { ok: { type: boolean } } }
`,
    );
    const r = await box.weft(['run', 'each.yaml', '--json']);
    expectExit(r, 3);
    id = parseJson<{ id: string }>(r).id;
  }, 60_000);

  step(
    'weft runs show lists each waiting node by path, with the command to answer it',
    async () => {
      const r = await box.weft(['runs', 'show', id]);
      expectExit(r, 0);
      expect(r.stdout).toMatch(/^waiting for an answer:$/m);
      for (const path of ['each[0].ask', 'each[1].ask']) {
        expect(r.stdout).toContain(`${path}  weft runs input ${id} --node '${path}' --value JSON`);
      }
    },
  );

  step(
    'an answer that breaks the nested schema exits 2; an unknown path exits 1',
    { timeout: 120_000 },
    async () => {
      const bad = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'each[0].ask',
        '--value',
        '{"ok": "yes"}',
      ]);
      expectExit(bad, 2);
      expect(bad.stderr).toMatch(/invalid_answer: .*ok must be boolean/);
      const unknown = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'each[0].nope',
        '--value',
        '{"ok": true}',
      ]);
      expectExit(unknown, 1);
      expect(unknown.stderr).toMatch(/"each\[0\]\.nope"/);
      const run = await show(box, id);
      expect(run.status).toBe('waiting');
      expect(run.nodes['each[0].ask'].status).toBe('waiting');
    },
  );

  step('good answers to both paths finish the run', { timeout: 120_000 }, async () => {
    const first = await box.weft([
      'runs',
      'input',
      id,
      '--node',
      'each[0].ask',
      '--value',
      '{"ok": true}',
    ]);
    expectExit(first, 3);
    const second = await box.weft([
      'runs',
      'input',
      id,
      '--node',
      'each[1].ask',
      '--value',
      '{"ok": false}',
    ]);
    expectExit(second, 0);
    expect(parseJson(second)).toEqual([{ ok: true }, { ok: false }]);
  });
});

group('cancel', (box) => {
  step(
    'cancels a waiting run; show says cancelled; cancelling or answering it again exits 1',
    { timeout: 120_000 },
    async () => {
      const id = await waitingHumanRun(box, 50);
      const r = await box.weft(['runs', 'cancel', id]);
      expectExit(r, 0);
      expect(r.stdout).toBe(`run ${id} cancelled\n`);
      const text = await box.weft(['runs', 'show', id]);
      expect(text.stdout).toMatch(/^status\s+cancelled$/m);
      const again = await box.weft(['runs', 'cancel', id]);
      expectExit(again, 1);
      expect(again.stderr).toMatch(/cancelled/);
      const answer = await box.weft([
        'runs',
        'input',
        id,
        '--node',
        'approve',
        '--value',
        '{"approved": true}',
      ]);
      expectExit(answer, 1);
      expect(answer.stderr).toMatch(/approve/);
    },
  );
});

group('pause and resume a run whose weft run process was stopped', (box) => {
  const WAIT = `id: slow-wait
nodes:
  - id: before
    type: set
    with: { values: { x: 1 } }
  - id: hold
    type: wait
    needs: [before]
    with: { duration: 8000 }
  - id: after
    type: set
    needs: [hold]
    with: { values: { done: true } }
outputs:
  done: "{{ after.done }}"
`;

  step(
    'pause -> paused; pause again exits 1; resume carries it on to the end; resume of a finished run exits 1',
    { timeout: 120_000 },
    async () => {
      box.write('slow-wait.yaml', WAIT);
      // The database is held by one writing process: stop `weft run` (as Ctrl-C would) while it waits.
      const running = box.start(['run', 'slow-wait.yaml']);
      await running.waitForStderr(/^⏸ hold waiting until /m);
      const stopped = await running.stop('SIGINT');
      expectExit(stopped, 130);
      const hint =
        /^interrupted: run (\S+) stays in the store; carry it on with: weft runs resume \1$/m.exec(
          stopped.stderr,
        );
      expect(hint, stopped.stderr).not.toBeNull();
      const id = hint![1]!;

      const paused = await box.weft(['runs', 'pause', id]);
      expectExit(paused, 0);
      expect(paused.stdout).toBe(`run ${id} paused\n`);
      const text = await box.weft(['runs', 'show', id]);
      expect(text.stdout).toMatch(/^status\s+paused$/m);
      expect(text.stdout).toMatch(/^after\s+pending\s+0$/m);

      const twice = await box.weft(['runs', 'pause', id]);
      expectExit(twice, 1);
      expect(twice.stderr).toMatch(/already paused/);

      const resumed = await box.weft(['runs', 'resume', id]);
      expectExit(resumed, 0);
      expect(parseJson(resumed)).toEqual({ done: true });
      expect(resumed.stderr).toMatch(/^✓ after/m);
      const run = await show(box, id);
      expect(run).toMatchObject({
        status: 'succeeded',
        nodes: {
          before: { attempts: 1 },
          hold: { status: 'succeeded' },
          after: { status: 'succeeded', attempts: 1 },
        },
      });
      const types = (await eventsOf(box, id)).map((e) => e.type);
      expect(types).toContain('run.paused');
      expect(types).toContain('run.resumed');
      expect(types.filter((t) => t === 'node.started')).toHaveLength(3);

      const finished = await box.weft(['runs', 'resume', id]);
      expectExit(finished, 1);
      expect(finished.stderr).toMatch(/run is succeeded, not paused/);
    },
  );
});

let server: Server;
let base = '';
let flakyCalls = 0;
const flakyKeys: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/flaky') {
      flakyKeys.push(String(req.headers['idempotency-key'] ?? ''));
      flakyCalls++;
      if (flakyCalls === 1) {
        res.writeHead(404).end('not yet');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ n: flakyCalls }));
    } else if (req.url === '/slow') {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        1500,
      );
    } else if (req.url === '/ok') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
const allow = { env: { WEFT_HTTP_ALLOW: '127.0.0.1' } };

group('retry', (box) => {
  let id = '';
  let retried: CliResult;

  step(
    'a failed run: retry runs the failed node again, keeps what succeeded, exits 0 with outputs',
    { timeout: 120_000 },
    async () => {
      box.write(
        'flaky.yaml',
        `id: flaky
nodes:
  - id: first
    type: set
    with: { values: { a: 1 } }
  - id: call
    type: http
    needs: [first]
    with: { url: "${base}/flaky", expect_status: 200 }
  - id: last
    type: transform
    needs: [call]
    with: { expression: "call.body.n" }
outputs:
  n: "{{ last }}"
`,
      );
      const failed = await box.weft(['run', 'flaky.yaml', '--json'], allow);
      expectExit(failed, 1);
      const run = parseJson(failed);
      id = run.id as string;
      expect(run).toMatchObject({
        status: 'failed',
        error: { code: 'http_status' },
        nodes: { first: { status: 'succeeded' }, call: { status: 'failed' } },
      });

      const resume = await box.weft(['runs', 'resume', id], allow);
      expectExit(resume, 1);
      expect(resume.stderr).toMatch(/run is failed, not paused/);

      retried = await box.weft(['runs', 'retry', id], allow);
      expectExit(retried, 0);
      expect(parseJson(retried)).toEqual({ n: 2 });
      const events = await eventsOf(box, id);
      expect(events.filter((e) => e.type === 'node.started' && e.node === 'first')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'node.started' && e.node === 'call')).toHaveLength(2);
      expect(events.map((e) => e.type)).toContain('run.retried');
      expect(flakyKeys).toEqual([`${id}:call`, `${id}:call`]);
      expect(await show(box, id)).toMatchObject({
        status: 'succeeded',
        nodes: { first: { attempts: 1 }, call: { status: 'succeeded', attempts: 2 } },
      });
    },
  );

  // `weft runs retry` carries the run on "as weft run does", with live progress per node: the last
  // seq is read before the retry commits the restart, so the progress shows the nodes it starts again.
  step('retry shows the progress of the nodes it runs again', () => {
    expect(retried.stderr).toMatch(/^▶ call started \(http, attempt 2\)$/m);
    expect(retried.stderr).toMatch(/^✓ call \d+(\.\d+)?m?s \(2 attempts\)$/m);
    expect(retried.stderr).toMatch(/^✓ last \d+(\.\d+)?m?s$/m);
  });

  step(
    'retry --from NODE on a succeeded run runs that node and what follows again, not what came before',
    { timeout: 120_000 },
    async () => {
      const r = await box.weft(['runs', 'retry', id, '--from', 'call'], allow);
      expectExit(r, 0);
      expect(parseJson(r)).toEqual({ n: 3 });
      const events = await eventsOf(box, id);
      const started = (node: string) =>
        events.filter((e) => e.type === 'node.started' && e.node === node).length;
      expect([started('first'), started('call'), started('last')]).toEqual([1, 3, 2]);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const run = await show(box, id);
      expect(run).toMatchObject({
        status: 'succeeded',
        output: { n: 3 },
        nodes: {
          first: { attempts: 1, output: { a: 1 } },
          call: { attempts: 3 },
          last: { attempts: 2, output: 3 },
        },
      });
    },
  );

  step(
    'illegal retries exit 1 with a message: a succeeded run without --from, an unknown node, a waiting run',
    { timeout: 120_000 },
    async () => {
      const succeeded = await box.weft(['runs', 'retry', id], allow);
      expectExit(succeeded, 1);
      expect(succeeded.stderr).toMatch(
        /run is succeeded; only a failed or cancelled run can be retried/,
      );
      const unknown = await box.weft(['runs', 'retry', id, '--from', 'nowhere'], allow);
      expectExit(unknown, 1);
      expect(unknown.stderr).toMatch(/"nowhere"/);
      const waiting = await waitingHumanRun(box, 3);
      const r = await box.weft(['runs', 'retry', waiting]);
      expectExit(r, 1);
      expect(r.stderr).toMatch(/run is waiting; only a failed or cancelled run can be retried/);
    },
  );
});

group('a run whose process died while a node was running', (box) => {
  step(
    'retry exits 1 (it is still running); resume carries it on to the end',
    { timeout: 120_000 },
    async () => {
      box.write(
        'slow.yaml',
        `id: slow-call
nodes:
  - id: call
    type: http
    with: { url: "${base}/slow" }
outputs:
  ok: "{{ call.body.ok }}"
`,
      );
      const running = box.start(['run', 'slow.yaml'], allow);
      await running.waitForStderr(/^▶ call started/m);
      await running.stop('SIGKILL');
      const list = parseJson<{ runs: { id: string; status: string }[] }>(
        await box.weft(['runs', 'list', '--json', '--workflow', 'slow-call']),
      );
      const slow = list.runs[0]!;
      expect(slow.status).toBe('running');

      const retry = await box.weft(['runs', 'retry', slow.id], allow);
      expectExit(retry, 1);
      expect(retry.stderr).toMatch(/run is running; only a failed or cancelled run can be retried/);

      const resumed = await box.weft(['runs', 'resume', slow.id], allow);
      expectExit(resumed, 0);
      expect(parseJson(resumed)).toEqual({ ok: true });
      expect((await show(box, slow.id)).status).toBe('succeeded');
    },
  );
});

group('the allow-list a run was started with, where the run is carried on locally', (box) => {
  step(
    'runs input without WEFT_HTTP_ALLOW still allows the hosts the run was started with',
    { timeout: 120_000 },
    async () => {
      box.write(
        'ask-then-call.yaml',
        `id: ask-then-call
nodes:
  - { id: ask, type: human, with: { prompt: "go?" } }
  - id: call
    type: http
    needs: [ask]
    with: { url: "${base}/ok" }
outputs:
  ok: "{{ call.body.ok }}"
`,
      );
      const started = await box.weft(['run', 'ask-then-call.yaml', '--json'], allow);
      expectExit(started, 3);
      const { id } = parseJson<{ id: string }>(started);
      const answered = await box.weft(['runs', 'input', id, '--node', 'ask', '--value', 'true']);
      expectExit(answered, 0);
      expect(parseJson(answered)).toEqual({ ok: true });
    },
  );

  step('a run started without it is still refused the host', { timeout: 120_000 }, async () => {
    const started = await box.weft(['run', 'ask-then-call.yaml', '--json']);
    expectExit(started, 3);
    const { id } = parseJson<{ id: string }>(started);
    const answered = await box.weft(['runs', 'input', id, '--node', 'ask', '--value', 'true']);
    expectExit(answered, 1);
    expect(answered.stderr).toMatch(/ssrf_blocked|allow it with WEFT_HTTP_ALLOW=127\.0\.0\.1/);
  });
});
