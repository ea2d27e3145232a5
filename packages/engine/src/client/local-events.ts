/**
 * @module client/local-events
 * A run's events for a client: the tenant check happens before the first event, and an aborted
 * signal ends the iteration quietly (a reader that left is not an error).
 */
import type { RunEvent } from '@weft/core';
import type { EventsOptions } from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';

export async function* localEvents(
  engine: ClientEngine,
  check: () => Promise<unknown>,
  runId: string,
  options: EventsOptions,
): AsyncGenerator<RunEvent> {
  await check();
  if (options.signal?.aborted === true) return;
  yield* engine.events(runId, options);
}
