/**
 * @module client-contract
 * The behaviour every {@link WeftClient} must show, as vitest blocks: the in-process client
 * (`engine.client(tenant)`) and the HTTP one (`httpClient`) run the same cases, so that a face
 * written against one behaves the same over the other (same shapes, same error codes).
 *
 * @example
 * ```ts
 * clientContract('in-process', async () => {
 *   const engine = await Engine.open({ db: ':memory:' });
 *   return { client: (tenant) => engine.client(tenant), close: () => engine.close() };
 * });
 * ```
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { WeftClient } from '@weft/core/client';
import { controlCases } from './client-contract/control.js';
import { eventCases } from './client-contract/events.js';
import { nodeCases } from './client-contract/nodes.js';
import { retentionCases } from './client-contract/retention.js';
import { runCases } from './client-contract/runs.js';
import { workflowCases } from './client-contract/workflows.js';

/** Clients of two tenants over one engine, and how to let it go. */
export interface ClientWorld {
  client(tenant: 'acme' | 'globex'): WeftClient;
  close(): Promise<void>;
}

/** What each case file gets: the world of the running test. */
export type World = () => ClientWorld;

/**
 * Declares the contract suite for one implementation.
 *
 * @param name - shown in the test names.
 * @param open - a new world over a new, empty engine on every call; closed after each test.
 */
export function clientContract(name: string, open: () => Promise<ClientWorld>): void {
  describe(`WeftClient contract: ${name}`, () => {
    let world: ClientWorld;
    beforeEach(async () => {
      world = await open();
    });
    afterEach(async () => {
      await world.close();
    });
    const current: World = () => world;
    workflowCases(current);
    runCases(current);
    eventCases(current);
    controlCases(current);
    retentionCases(current);
    nodeCases(current);
  });
}
