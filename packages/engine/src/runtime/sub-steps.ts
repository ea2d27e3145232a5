/**
 * @module runtime/sub-steps
 * A node execution's durable sub-steps (`ctx.step`) and questions (`ctx.ask`). Each call takes the
 * next position; a position recorded by an earlier execution of the node under the same name is
 * replayed instead of run. A step's result is committed before its promise resolves, so that a
 * recorded call is never made again; a question ends the execution, and its answer is recorded at
 * its position when it comes.
 */
import { WeftError, type AskRequest } from '@weft/core';

/** What earlier executions recorded, by position: a gap where a position was never recorded. */
export type RecordedSteps = readonly ({ name: string; value: unknown } | undefined)[];

/** The reason an execution ends with when it asks: not a failure, nothing is reported for it. */
export const SUSPENDED: unique symbol = Symbol('weft.suspended');

/** Longest step or question name, in characters. */
const MAX_NAME = 200;

export interface SubStepIo {
  record(index: number, name: string, value: unknown): Promise<void>;
  ask(index: number, name: string, prompt: unknown, schema?: Record<string, unknown>): void;
  /** The value as it is stored (JSON, within the output limits), or throws naming `what`. */
  stored(value: unknown, what: string): unknown;
  /** Why the execution stopped (timeout, cancel, shutdown), if it did. */
  stopped(): unknown;
}

export class SubSteps {
  #position = 0;
  readonly #recorded: RecordedSteps;
  readonly #io: SubStepIo;

  constructor(recorded: RecordedSteps, io: SubStepIo) {
    this.#recorded = recorded;
    this.#io = io;
  }

  async step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const index = this.#position++;
    const key = checkedName(name, 'step');
    const hit = this.#recorded[index];
    if (hit !== undefined && hit.name === key) return hit.value as T;
    const value = this.#io.stored(await fn(), `the result of step "${key}"`);
    this.#throwIfStopped();
    await this.#io.record(index, key, value);
    this.#throwIfStopped();
    return value as T;
  }

  ask(name: string, request: AskRequest): Promise<unknown> {
    const index = this.#position++;
    const key = `ask:${checkedName(name, 'question')}`;
    const hit = this.#recorded[index];
    if (hit !== undefined && hit.name === key) return Promise.resolve(hit.value);
    try {
      this.#throwIfStopped();
      const prompt = this.#io.stored(request.prompt, `the prompt of ${key}`);
      const schema =
        request.schema === undefined
          ? undefined
          : (this.#io.stored(request.schema, `the schema of ${key}`) as Record<string, unknown>);
      this.#io.ask(index, key, prompt, schema);
    } catch (e) {
      return Promise.reject(e);
    }
    // The execution has ended: the node runs again with the answer once it is posted.
    return new Promise<never>(() => undefined);
  }

  #throwIfStopped(): void {
    const reason = this.#io.stopped();
    // The execution's own reason, as it was given: the executor reads it back (SUSPENDED included).
    if (reason !== undefined) throw reason as Error;
  }
}

function checkedName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new WeftError(
      'invalid_step',
      `a ${what} name must be a string of 1 to ${MAX_NAME} characters`,
    );
  }
  return name;
}
