/**
 * @module cli/target-kinds
 * What a command opens its target for, and what it gets: apart from `target.ts`, so that the
 * modules that open a kind of target need not import the one that chooses among them.
 */
import type { Engine } from '@weft/engine';
import type { WeftClient } from '@weft/core/client';

/**
 * What the command does with a local database. `read` opens it alongside other processes; `write`
 * shares it with them; `run` shares it as one of its workers, carrying runs on in this process.
 */
export type Mode = 'read' | 'write' | 'run';

export interface Target {
  client: WeftClient;
  /** The engine when the command runs in this process. */
  engine?: Engine;
  /** The server's URL when the command goes through one. */
  server?: string;
  /** Appended to the commands that messages suggest (` --server URL` when one was given). */
  where: string;
  /** The database lives in this process only (`--db :memory:`). */
  inMemory: boolean;
  /**
   * The runs are carried on by the workers of a shared database (`--postgres`), not by this
   * process: a run it moves is handed to them, and it only follows runs.
   */
  onWorkers?: true;
  close(): Promise<void>;
}
