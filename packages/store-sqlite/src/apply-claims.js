/**
 * @module apply-claims
 * The claims side of a commit on a file many processes share (see `claims.ts`): the fencing check
 * before anything is written, the holder of each claimed run after, and the bus messages that
 * announce the commit (`runs`, and `wake` when a run is left queued and held by no one), all in the
 * commit's own transaction. Only commits whose writes carry a claim come here: a store used by one
 * process alone neither checks nor announces anything.
 *
 * Plain JavaScript, loaded by the writer thread as it is (see `apply-plan.js`).
 */

/** The largest `runs` message a commit writes, in bytes of JSON (as PostgreSQL's, whose NOTIFY caps it). */
export const MAX_MESSAGE_BYTES = 7900;

/**
 * A commit refused because a claimed run's token moved on: another worker holds the run now.
 * The store turns it into WeftError `claim_lost`.
 */
export class ClaimLost extends Error {
  /** @param {string[]} runs */
  constructor(runs) {
    super(JSON.stringify(runs));
    this.name = 'ClaimLost';
  }
}

/** Statements prepared on a commit's first claim. */
export class ClaimApplier {
  #token;
  #setOwner;
  #owner;
  #publish;

  #statusAt;
  #seqAt;

  /**
   * @param {import('better-sqlite3').Database} db
   * @param {number} statusAt where a plan's run row holds the status
   * @param {number} seqAt where it holds the seq
   */
  constructor(db, statusAt, seqAt) {
    this.#statusAt = statusAt;
    this.#seqAt = seqAt;
    // The run's token; 0 for a stored run never claimed; no row for a run not stored yet (new).
    this.#token = db
      .prepare(
        `SELECT coalesce((SELECT token FROM run_claims WHERE run_id = r.id), 0)
         FROM runs r WHERE r.id = ?`,
      )
      .pluck();
    // A run new to the store takes its writer's token; a stored one keeps its own (the same).
    this.#setOwner = db.prepare(
      `INSERT INTO run_claims (run_id, owner, token) VALUES (?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner`,
    );
    this.#owner = db.prepare('SELECT owner FROM run_claims WHERE run_id = ?').pluck();
    this.#publish = db.prepare('INSERT INTO bus (message, at) VALUES (?, ?)');
  }

  /**
   * Refuses the commit when a claimed run's token is no longer its writer's.
   * @param {import('./apply-plan.js').CommitPlan} plan
   * @throws {ClaimLost} naming the runs.
   */
  check(plan) {
    /** @type {string[]} */
    const lost = [];
    for (const p of plan) {
      if (p.claim === undefined) continue;
      const id = /** @type {string} */ (p.row[0]);
      const token = /** @type {number | undefined} */ (this.#token.get(id));
      if (token !== undefined && token !== p.claim[1]) lost.push(id);
    }
    if (lost.length > 0) throw new ClaimLost([...new Set(lost)]);
  }

  /**
   * Records the holders the claims leave and announces the commit. Call it after the runs are
   * written, in the same transaction.
   * @param {import('./apply-plan.js').CommitPlan} plan
   */
  settle(plan) {
    /** @type {Map<string, [string, number, boolean]>} */
    const entries = new Map();
    /** Per run, whether this commit leaves it queued and held by no one. */
    const idle = new Map();
    for (const p of plan) {
      const id = /** @type {string} */ (p.row[0]);
      if (p.claim !== undefined) this.#setOwner.run(id, p.claim[0], p.claim[1]);
      // The run as its last write in this commit leaves it: its seq, and its holder now.
      const held = p.claim !== undefined ? p.claim[0] !== null : this.#owner.get(id) != null;
      entries.set(id, [id, /** @type {number} */ (p.row[this.#seqAt]), held]);
      idle.set(id, p.row[this.#statusAt] === 'queued' && !held);
    }
    const at = Date.now();
    for (const message of runsMessages([...entries.values()])) this.#publish.run(message, at);
    if ([...idle.values()].includes(true)) this.#publish.run(WAKE, at);
  }
}

const WAKE = '{"kind":"wake"}';

/**
 * `runs` messages for the entries, as few as {@link MAX_MESSAGE_BYTES} allows.
 * @param {[string, number, boolean][]} entries
 * @returns {string[]}
 */
function runsMessages(entries) {
  const head = '{"kind":"runs","runs":[';
  const tail = ']}';
  /** @type {string[]} */
  const messages = [];
  /** @type {string[]} */
  let parts = [];
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const base = bytes;
  for (const e of entries) {
    const part = JSON.stringify(e);
    // One more entry costs its bytes and a comma.
    const size = Buffer.byteLength(part) + 1;
    if (parts.length > 0 && bytes + size > MAX_MESSAGE_BYTES) {
      messages.push(head + parts.join(',') + tail);
      parts = [];
      bytes = base;
    }
    bytes += size;
    parts.push(part);
  }
  if (parts.length > 0) messages.push(head + parts.join(',') + tail);
  return messages;
}
