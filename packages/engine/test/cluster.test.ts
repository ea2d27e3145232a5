/**
 * Many workers on one database (issue 13): engines of this process on one PostgreSQL schema, or on
 * one SQLite file opened shared (as processes of one machine open it), each a worker with its own
 * lease. A run is carried by one worker at a time; a worker with its share
 * leaves new runs `queued` for the others, which claim them highest priority first; inputs and
 * cancels for a run another worker holds reach that worker; a worker that ends its lease (a drain)
 * or stops renewing it (a stall) loses its runs to the others, and what it had in flight runs
 * again there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TestSchemas } from '@weft/store-postgres/testing';
import { openPostgresStore } from '@weft/store-postgres';
import { openSqliteStore } from '@weft/store-sqlite';
import { defineNode, Engine, type Logger, type Store, type WorkerOptions } from '../src/index.js';

const schemas = new TestSchemas();
afterAll(() => schemas.dropAll(), 120_000);
const dir = mkdtempSync(join(tmpdir(), 'weft-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Where the workers of a test meet: a PostgreSQL schema, or a SQLite file opened shared. */
type Place = { postgres: string } | { db: string; shared: true };
const PLACES: { name: string; place: () => Promise<Place> }[] = [
  {
    name: 'one PostgreSQL database',
    place: async () => ({ postgres: schemas.urlFor(await schemas.create()) }),
  },
  {
    name: 'one SQLite file',
    place: async () => ({ db: join(dir, `db-${++files}.db`), shared: true }),
  },
];

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
  for (const g of gates.values()) g.open();
  gates.clear();
});

/** Executions of `count` nodes by `<run>:<node>`, the worker (engine name) and time of each. */
const executions: { key: string; by: string; t: number }[] = [];
/** Executions of `count` nodes that their signal stopped. */
const aborts: { key: string; by: string; t: number }[] = [];
const ran = (key: string) => executions.filter((e) => e.key === key);

interface Gate {
  promise: Promise<void>;
  open(): void;
}
/** `block` nodes wait for their gate (by name) to open, or for their signal. */
const gates = new Map<string, Gate>();
const gate = (name: string): Gate => {
  let g = gates.get(name);
  if (g === undefined) {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    gates.set(name, (g = { promise, open }));
  }
  return g;
};

const nodesFor = (by: string) => [
  defineNode({
    type: 'count',
    description: 'tells which worker ran it',
    params: z.object({ gate: z.string().optional() }),
    run: async (ctx, p) => {
      const key = `${ctx.runId}:${ctx.path}`;
      executions.push({ key, by, t: Date.now() });
      if (p.gate !== undefined) {
        const g = gate(p.gate).promise;
        await new Promise<void>((resolve, reject) => {
          g.then(resolve, reject);
          ctx.signal.addEventListener(
            'abort',
            () => {
              aborts.push({ key, by, t: Date.now() });
              reject(ctx.signal.reason);
            },
            { once: true },
          );
        });
      }
      return { by };
    },
  }),
];

/** Warnings the engine logs, for the line a worker that lost its claim writes. */
const warnings: string[] = [];
const log: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)),
  error: () => undefined,
  child: () => log,
};

async function worker(
  place: Place,
  by: string,
  worker: WorkerOptions,
  store?: Store,
  scheduler = false,
): Promise<Engine> {
  const engine = await Engine.open({
    ...(store === undefined ? place : { store }),
    scheduler,
    nodes: nodesFor(by),
    worker: { pollMs: 100, ...worker },
    log,
  });
  engines.push(engine);
  return engine;
}

/** The place's store, with the claims its workers ask for counted. */
async function countingClaims(place: Place): Promise<{ store: Store; asked: () => number }> {
  const store =
    'postgres' in place
      ? await openPostgresStore({ url: place.postgres })
      : await openSqliteStore({ path: place.db, shared: true });
  stores.push(store);
  let asked = 0;
  const ports = store.cluster!;
  const claims = new Proxy(ports.claims, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (key === 'claim') asked++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const counted = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'cluster') return { ...ports, claims };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, asked: () => asked };
}
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

const COUNTED = {
  id: 'counted',
  nodes: [
    { id: 'a', type: 'count', with: {} },
    { id: 'b', type: 'count', needs: ['a'], with: {} },
  ],
};

for (const { name, place } of PLACES) {
  describe(`many workers on ${name}`, () => {
    it('runs started where there is no room wait queued; the free worker carries them, by priority', async () => {
      const at = await place();
      const api = await worker(at, 'api', { concurrency: 0 });
      await api.publish(COUNTED);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { id, status } = await api.start('counted', { priority: i % 3 });
        expect(status).toBe('queued');
        ids.push(id);
      }
      // One run at a time: claims follow priority, then age.
      await worker(at, 'one', { concurrency: 1 });
      const views = await Promise.all(ids.map((id) => api.wait(id)));
      for (const v of views)
        expect(v).toMatchObject({ status: 'succeeded', output: { by: 'one' } });
      for (const id of ids) {
        expect(ran(`${id}:a`)).toHaveLength(1);
        expect(ran(`${id}:b`)).toHaveLength(1);
      }
      const order = executions
        .filter((e) => e.key.endsWith(':a') && ids.some((id) => e.key.startsWith(id)))
        .map((e) => ids.indexOf(e.key.split(':')[0]!));
      const priorities = order.map((i) => i % 3);
      expect(priorities).toEqual([...priorities].sort((x, y) => y - x));
      expect(order.filter((i) => i % 3 === 2)).toEqual([2, 5, 8, 11]);
    });

    it('a worker asks for no queued run when none waits, and claims one as soon as it has room', async () => {
      const at = await place();
      const { store, asked } = await countingClaims(at);
      // No poll within the test: only what the worker hears and does makes it claim.
      const one = await worker(at, 'one', { concurrency: 1, pollMs: 600_000 }, store);
      await one.publish(COUNTED);
      const before = asked();
      for (let i = 0; i < 8; i++) {
        expect(await one.run('counted')).toMatchObject({ status: 'succeeded' });
      }
      // Each run it let go of left room; nothing was queued, and nothing said otherwise.
      expect(asked() - before).toBeLessThanOrEqual(1);
      // Started together, three runs on a worker with room for one: two wait queued, and are
      // claimed as room frees, not at a poll.
      await one.publish({
        id: 'gated',
        nodes: [{ id: 'g', type: 'count', with: { gate: 'room' } }],
      });
      const started = [];
      for (let i = 0; i < 3; i++) started.push(await one.start('gated'));
      expect(started.map((s) => s.status)).toEqual(['running', 'queued', 'queued']);
      gate('room').open();
      const views = await Promise.all(started.map((s) => one.wait(s.id)));
      expect(views.map((v) => v.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    });

    it('an answer (a large one too) and a cancel for a run another worker holds reach that worker', async () => {
      const at = await place();
      const holder = await worker(at, 'holder', {});
      const other = await worker(at, 'other', { concurrency: 0 });
      await holder.publish({
        id: 'split',
        nodes: [
          { id: 'slow', type: 'count', with: { gate: 'split' } },
          {
            id: 'ask',
            type: 'human',
            with: { prompt: 'ok?', schema: { type: 'object', required: ['ok'] } },
          },
        ],
      });
      const { id } = await holder.start('split');
      // Waiting for the answer, while `slow` runs at the holder.
      await waitFor(async () => (await other.waitingForAnswer(id)).includes('ask'));
      await expect(other.input(id, 'ask', { nope: 1 })).rejects.toMatchObject({
        code: 'invalid_answer',
      });
      // Larger than a NOTIFY payload: the bus stores it for the holder to read.
      const answer = { ok: true, note: 'n'.repeat(50_000) };
      await other.input(id, 'ask', answer);
      expect((await other.get(id))?.nodes['ask']).toMatchObject({
        status: 'succeeded',
        output: answer,
      });
      // The holder still runs `slow`: the cancel aborts it there.
      await other.cancel(id, 'enough');
      const done = await other.wait(id, { until: 'finished' });
      expect(done.status).toBe('cancelled');
      expect(ran(`${id}:slow`).map((e) => e.by)).toEqual(['holder']);
    });

    it('a worker that drains lets go of its runs: another carries on what was in flight at once', async () => {
      const at = await place();
      const first = await worker(at, 'first', { leaseMs: 60_000 });
      await first.publish({
        id: 'gated',
        nodes: [{ id: 'g', type: 'count', with: { gate: 'drain' } }],
      });
      const { id } = await first.start('gated');
      await waitFor(() => ran(`${id}:g`).length === 1);
      const second = await worker(at, 'second', {});
      await first.close();
      // Long before the first's lease of a minute would lapse.
      await waitFor(() => ran(`${id}:g`).length === 2, 5000);
      gate('drain').open();
      const view = await second.wait(id, { until: 'finished' });
      expect(view).toMatchObject({ status: 'succeeded', output: { by: 'second' } });
      expect(ran(`${id}:g`).map((e) => e.by)).toEqual(['first', 'second']);
    });

    it('a start without a version takes the latest, whichever worker published it', async () => {
      const at = await place();
      const [one, two] = [await worker(at, 'one', {}), await worker(at, 'two', {})];
      const versionOf = async (id: string) => (await two.store.getRun(id))?.version;
      await one.publish(COUNTED);
      expect(await versionOf((await two.start('counted')).id)).toBe(1);
      await one.publish({ ...COUNTED, name: 'counted again' });
      const { id } = await two.start('counted');
      expect(await versionOf(id)).toBe(2);
      expect(await two.wait(id)).toMatchObject({ status: 'succeeded' });
    });

    it('a member that claims nothing carries its own runs only, keyed ones too; the others stay for the workers', async () => {
      const at = await place();
      const api = await worker(at, 'api', { concurrency: 0 });
      await api.publish(COUNTED);
      await api.publish({
        id: 'napping',
        nodes: [
          // Long enough to be seen waiting, and let go of, before it falls due on a busy machine.
          { id: 'nap', type: 'wait', with: { duration: 1500 } },
          { id: 'a', type: 'count', needs: ['nap'], with: {} },
        ],
      });
      await api.publish({
        ...COUNTED,
        id: 'keyed',
        concurrency: { key: '{{ inputs.who }}', limit: 1 },
      });
      // Others' runs: one whose wait falls due while no worker holds it, and one queued.
      const carrier = await worker(at, 'carrier', {});
      const napping = (await carrier.start('napping')).id;
      await waitFor(async () => (await carrier.get(napping))?.status === 'waiting');
      await carrier.close();
      const queued = await api.start('counted');
      expect(queued.status).toBe('queued');

      const own = await worker(at, 'own', { claims: false, concurrency: 0 });
      // Never full for its own runs, and nothing else waits for it: not even a run under a key.
      expect(await own.run('counted')).toMatchObject({
        status: 'succeeded',
        output: { by: 'own' },
      });
      const keyed = await own.run('keyed', { input: { who: 'ada' } });
      expect(keyed).toMatchObject({ status: 'succeeded', output: { by: 'own' } });
      await waitFor(async () => (await own.store.dueTimers(Date.now(), 10)).length > 0);
      await new Promise((r) => setTimeout(r, 500));
      expect((await own.store.getRun(queued.id))?.status).toBe('queued');
      expect((await own.store.getRun(napping))?.status).toBe('waiting');
      expect(ran(`${queued.id}:a`)).toEqual([]);
      expect(ran(`${napping}:a`)).toEqual([]);

      // A worker that claims takes them; the member follows them as they end.
      await worker(at, 'late', {});
      expect(await own.wait(queued.id)).toMatchObject({
        status: 'succeeded',
        output: { by: 'late' },
      });
      expect(await own.wait(napping)).toMatchObject({ status: 'succeeded' });
      expect(ran(`${napping}:a`).map((e) => e.by)).toEqual(['late']);
    });

    it('a member that claims nothing carries on a run whose worker stopped when asked to', async () => {
      const at = await place();
      const first = await worker(at, 'first', { leaseMs: 60_000 });
      await first.publish({
        id: 'gated-own',
        nodes: [{ id: 'g', type: 'count', with: { gate: 'carry' } }],
      });
      const { id } = await first.start('gated-own');
      await waitFor(() => ran(`${id}:g`).length === 1);
      const own = await worker(at, 'own', { claims: false });
      await first.close();
      await new Promise((r) => setTimeout(r, 300));
      expect(ran(`${id}:g`)).toHaveLength(1);
      gate('carry').open();
      await own.carryOn(id);
      const view = await own.wait(id, { until: 'finished' });
      expect(view).toMatchObject({ status: 'succeeded', output: { by: 'own' } });
      expect(ran(`${id}:g`).map((e) => e.by)).toEqual(['first', 'own']);
    });

    it('two schedulers on one database fire each cron due time once', async () => {
      const at = await place();
      const [one, two] = [
        await worker(at, 'one', {}, undefined, true),
        await worker(at, 'two', {}, undefined, true),
      ];
      await one.publish({
        ...COUNTED,
        id: 'ticking',
        triggers: [{ type: 'cron', schedule: '* * * * * *' }],
      });
      await two.publish({
        ...COUNTED,
        id: 'ticking',
        triggers: [{ type: 'cron', schedule: '* * * * * *' }],
      });
      await new Promise((r) => setTimeout(r, 3500));
      const { runs } = await one.store.listRuns({ limit: 100 });
      const keys = runs.map((r) => r.idempotencyKey);
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(new Set(keys).size).toBe(runs.length);
      expect(keys.every((k) => k?.startsWith('cron:0:'))).toBe(true);
    });
  });
}

describe('many workers on one PostgreSQL database', () => {
  it('refuses to take part beside live workers of another version, and to change runs unfenced', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const store = await openPostgresStore({ url: postgres });
    try {
      await store.migrate();
      await store.cluster.claims.join('old-worker', 60_000, { version: '0.0.1', where: 'old:1' });
      await expect(Engine.open({ postgres, log })).rejects.toMatchObject({
        code: 'worker_version_mismatch',
        message: expect.stringContaining('Weft 0.0.1'),
      });
      expect((await store.cluster.claims.workers()).map((w) => w.id)).toEqual(['old-worker']);
      await store.cluster.claims.leave('old-worker');
      const reader = await Engine.open({
        postgres,
        autoStart: false,
        nodes: nodesFor('reader'),
        log,
      });
      engines.push(reader);
      await reader.publish(COUNTED);
      await expect(reader.start('counted')).rejects.toMatchObject({ code: 'unsupported' });
    } finally {
      await store.close();
    }
  });

  it('a due timer of a run another worker holds is left to it, not asked for again and again', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const holder = await worker({ postgres }, 'holder', { leaseMs: 60_000 });
    await holder.publish({
      id: 'held-timer',
      nodes: [
        { id: 'g', type: 'count', with: { gate: 'held-timer' } },
        { id: 'w', type: 'wait', with: { duration: 20 } },
        { id: 'after', type: 'count', needs: ['w'], with: {} },
      ],
    });
    const { id } = await holder.start('held-timer');
    await waitFor(() => ran(`${id}:g`).length === 1);
    // The holder fires no timer any more, and keeps the run: its node is still in flight.
    expect(await holder.drain(1)).toBe(false);
    const store = await openPostgresStore({ url: postgres });
    let asked = 0;
    const dueTimers = store.dueTimers.bind(store);
    store.dueTimers = (now, limit) => {
      asked++;
      return dueTimers(now, limit);
    };
    try {
      const other = await worker({ postgres }, 'other', {}, store);
      await waitFor(async () => (await other.store.dueTimers(Date.now(), 10)).length === 1);
      asked = 0;
      await new Promise((r) => setTimeout(r, 1000));
      // About one look each 100 ms; before, one each millisecond or so.
      expect(asked).toBeGreaterThan(0);
      expect(asked).toBeLessThanOrEqual(15);
      expect(ran(`${id}:after`)).toHaveLength(0);
    } finally {
      gate('held-timer').open();
      for (const e of engines.splice(0)) await e.close();
      await store.close();
    }
  });

  it('a worker cut off from the database stops its node within its lease; another takes the run over', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    const relay = await Relay.open(new URL(postgres));
    try {
      const cut = await worker({ postgres: relay.url(postgres) }, 'cut', { leaseMs: 800 });
      await cut.publish({ id: 'far', nodes: [{ id: 'g', type: 'count', with: { gate: 'far' } }] });
      const { id } = await cut.start('far');
      await waitFor(() => ran(`${id}:g`).length === 1);
      const taker = await worker({ postgres }, 'taker', { leaseMs: 800 });
      warnings.length = 0;
      relay.blackhole();
      await waitFor(() => ran(`${id}:g`).length === 2, 5000);
      // The cut-off worker stopped its execution before the other could start its own.
      const stopped = aborts.find((a) => a.key === `${id}:g` && a.by === 'cut');
      expect(stopped).toBeDefined();
      expect(stopped!.t).toBeLessThanOrEqual(ran(`${id}:g`)[1]!.t);
      expect(warnings.filter((w) => w.includes('lost its claim'))).toHaveLength(1);
      gate('far').open();
      expect(await taker.wait(id, { until: 'finished' })).toMatchObject({
        status: 'succeeded',
        output: { by: 'taker' },
      });
    } finally {
      relay.cut();
    }
  });

  it('a worker whose renewals stop loses its runs within its lease, says so once, and its late result is dropped', async () => {
    const postgres = schemas.urlFor(await schemas.create());
    // The stalled worker's own store: its lease calls hang, as on a machine that stopped, while
    // its node runs on.
    const store = await openPostgresStore({ url: postgres });
    let stalled = false;
    const claims = store.cluster.claims;
    const never = new Promise<never>(() => undefined);
    const { renew, join, claim } = {
      renew: claims.renew.bind(claims),
      join: claims.join.bind(claims),
      claim: claims.claim.bind(claims),
    };
    claims.renew = (w, ttl) => (stalled ? never : renew(w, ttl));
    claims.join = (w, ttl, info) => (stalled ? never : join(w, ttl, info));
    claims.claim = (w, n) => (stalled ? never : claim(w, n));
    try {
      const staller = await worker({ postgres }, 'staller', { leaseMs: 600 }, store);
      await staller.publish({
        id: 'stall',
        nodes: [
          { id: 'g', type: 'count', with: { gate: 'stall' } },
          { id: 'after', type: 'count', needs: ['g'], with: {} },
        ],
      });
      const { id } = await staller.start('stall');
      await waitFor(() => ran(`${id}:g`).length === 1);
      const taker = await worker({ postgres }, 'taker', { leaseMs: 600 });
      warnings.length = 0;
      stalled = true;
      await waitFor(() => ran(`${id}:g`).length === 2, 5000);
      expect(warnings.filter((w) => w.includes('lost its claim'))).toHaveLength(1);
      gate('stall').open();
      const view = await taker.wait(id, { until: 'finished' });
      expect(view.status).toBe('succeeded');
      expect(ran(`${id}:g`).map((e) => e.by)).toEqual(['staller', 'taker']);
      expect(ran(`${id}:after`).map((e) => e.by)).toEqual(['taker']);
      const events = await store.readEvents(id, 0);
      expect(events.filter((e) => e.type === 'node.succeeded' && e.node === 'g')).toHaveLength(1);
    } finally {
      for (const e of engines) await e.close();
      engines = [];
      await store.close();
    }
  });
});

/** A TCP relay to PostgreSQL that can go silent, as a network that drops every packet. */
class Relay {
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  #silent = false;
  #port = 0;

  private constructor(target: URL) {
    this.#server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (c: Buffer) => this.#silent || upstream.write(c));
      upstream.on('data', (c: Buffer) => this.#silent || client.write(c));
    });
  }

  static async open(target: URL): Promise<Relay> {
    const relay = new Relay(target);
    await new Promise<void>((r) => relay.#server.listen(0, '127.0.0.1', r));
    relay.#port = (relay.#server.address() as AddressInfo).port;
    return relay;
  }

  url(postgres: string): string {
    const u = new URL(postgres);
    u.host = `127.0.0.1:${this.#port}`;
    return u.toString();
  }

  /** Nothing passes any more, and no error says so: calls wait for answers that never come. */
  blackhole(): void {
    this.#silent = true;
  }

  cut(): void {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}

async function waitFor(ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
