/**
 * @module runtime/key-turns
 * Runs under a workflow's `concurrency:` key take turns: at most `limit` of one key hold a place
 * (started, not finished); the others wait `queued`, highest priority then oldest first.
 *
 * On a store shared by many workers the database admits them, as it claims runs for workers (see
 * `RunClaims.claim`); this process only wakes the workers when a place frees. A process alone on
 * its store admits them itself, one key at a time, reading the store under the key's lock: the
 * store is the count, so a restart loses no turn.
 */
import type { ConcurrencyKey, Logger, Store } from '@weft/core';
import type { ClusterMember } from './cluster.js';

export interface KeyTurnsOptions {
  store: Store;
  cluster: ClusterMember | undefined;
  log: Logger;
  /** Starts a queued run (a `start` input); resolves once committed. */
  start(runId: string): Promise<void>;
}

export class KeyTurns {
  readonly #o: KeyTurnsOptions;
  /** The tail of each key's turns in this process: admissions of one key never interleave. */
  readonly #locks = new Map<string, Promise<void>>();

  constructor(options: KeyTurnsOptions) {
    this.#o = options;
  }

  /** Runs `turn` alone among the turns of `tenant`'s `key` in this process. */
  async withKey<T>(tenant: string, key: ConcurrencyKey, turn: () => Promise<T>): Promise<T> {
    const name = `${tenant}/${key.key}`;
    const before = this.#locks.get(name) ?? Promise.resolve();
    const mine = before.then(turn);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return mine;
  }

  /**
   * Starts the waiting runs of `key` its room allows, first in line first (call inside
   * `withKey`): a run just queued starts now only if no run before it waits.
   */
  async admit(tenant: string, key: ConcurrencyKey): Promise<void> {
    const room = key.limit - (await this.#o.store.keyedHolding(tenant, key.key));
    if (room <= 0) return;
    for (const id of await this.#o.store.keyedWaiting(tenant, key.key, room)) {
      await this.#o.start(id);
    }
  }

  /** A run under `key` finished, or was found waiting at start: the next ones get their turn. */
  freed(tenant: string, key: ConcurrencyKey): void {
    const cluster = this.#o.cluster;
    if (cluster !== undefined) return cluster.wakeAll();
    this.withKey(tenant, key, () => this.admit(tenant, key)).catch((e: unknown) =>
      this.#o.log.error({ err: e, key: key.key }, 'could not start the next run of a key'),
    );
  }
}
