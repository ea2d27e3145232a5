/**
 * @module store-contract/cluster-fixtures
 * What the cluster cases share: the stores of a test, leases, held writes, and a recorder of bus
 * messages that waits for the one a case expects.
 */
import type { BusMessage, ClusterPorts, RunBus, RunRecord, RunWrite, Store } from '../index.js';
import { makeWrite } from './fixtures.js';

export type ClusterStore = Store & { readonly cluster: ClusterPorts };

/** The stores of the current test. */
export interface ClusterUse {
  /** The test's store, fresh and migrated. */
  store(): ClusterStore;
  /** Another store on the same database (another process, as far as the store can tell). */
  another(): Promise<ClusterStore>;
  /** A store on another, empty database. */
  elsewhere(): Promise<ClusterStore>;
}

export const INFO = { version: '0.0.0-test', where: 'test:1' };
/** Long enough never to lapse during a test. */
export const LONG_MS = 60_000;
/** Short enough to wait past: a lease that lapses within a test. */
export const SHORT_MS = 200;
/** Past SHORT_MS however the database's and this process's clocks tick. */
export const PAST_SHORT_MS = 400;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A write of `run` by `worker` under `token`, keeping the run unless `release`. */
export function heldWrite(
  run: RunRecord,
  worker: string,
  token: number,
  parts: Partial<Omit<RunWrite, 'run' | 'claim'>> & { release?: boolean } = {},
): RunWrite {
  const { release = false, ...rest } = parts;
  return makeWrite(run, { ...rest, claim: { worker, token, release } });
}

/** Every message a bus delivers from subscription on, and a wait for the one a case expects. */
export class Recorder {
  readonly messages: BusMessage[] = [];
  #waiters: (() => void)[] = [];
  #stop: (() => Promise<void>) | undefined;

  static async on(bus: RunBus): Promise<Recorder> {
    const recorder = new Recorder();
    recorder.#stop = await bus.subscribe((m) => {
      recorder.messages.push(m);
      for (const wake of recorder.#waiters.splice(0)) wake();
    });
    return recorder;
  }

  /** The recorded messages of one kind. */
  of<K extends BusMessage['kind']>(kind: K): Extract<BusMessage, { kind: K }>[] {
    return this.messages.filter((m): m is Extract<BusMessage, { kind: K }> => m.kind === kind);
  }

  /** Resolves once `done` holds for the messages recorded; rejects after `timeoutMs`. */
  async until(done: (messages: BusMessage[]) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`bus message not received; got ${JSON.stringify(this.messages)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await this.#stop?.();
  }
}

/** The [run id, seq, held] entries of every `runs` message recorded, in order. */
export const runEntries = (r: Recorder): [string, number, boolean][] =>
  r.of('runs').flatMap((m) => m.runs);
