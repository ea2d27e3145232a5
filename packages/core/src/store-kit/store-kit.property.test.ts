/**
 * Properties of what the SQL stores share: an event log written as entries reads back as the
 * events written, and a page cursor names the last row of its page. The stores' contract suite
 * checks the same through real databases; these find the edge cases faster.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../events.js';
import { RUN_STATUSES, isTerminal, type PruneQuery } from '../ports/store.js';
import { eventBatches, eventFromEntry, type EventEntry } from './event-entries.js';
import { pruneStatuses } from './retention.js';
import { decodeCursor, pageOf } from './run-pages.js';

const time = fc
  .integer({ min: 0, max: 3 })
  .map((n) => new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString());

/** Events with increasing seqs, some following each other, with or without node and data. */
const eventList = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      type: fc.constantFrom('node.started', 'node.succeeded', 'run.succeeded'),
      at: time,
      node: fc.option(fc.constantFrom('a', 'b.0'), { nil: undefined }),
      data: fc.option(
        fc.record({
          // As stored: through JSON, where -0 is 0.
          output: fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
          n: fc.integer(),
        }),
        { nil: undefined },
      ),
      leftOut: fc.boolean(),
    }),
    { maxLength: 12 },
  )
  .map((specs) => {
    let seq = 0;
    return specs.map((s) => {
      seq += s.gap;
      const e: Record<string, unknown> = { seq, type: s.type, at: s.at };
      if (s.node !== undefined) e['node'] = s.node;
      if (s.data !== undefined) e['data'] = s.data;
      const leftOut = s.leftOut && s.data !== undefined;
      return { event: e as unknown as RunEvent, output: s.data?.output, leftOut };
    });
  });

describe('event entries', () => {
  it('read back as the events written, outputs left out included', () => {
    fc.assert(
      fc.property(eventList, (list) => {
        const events = list.map((l) => l.event);
        const outputs = new Map(list.filter((l) => l.leftOut).map((l) => [l.event.seq, l.output]));
        const rows = eventBatches(
          events,
          (seq) => (outputs.has(seq) ? seq : undefined),
          (first, last, entries) => ({ first, last, entries }),
        );
        const read: RunEvent[] = [];
        for (const row of rows) {
          const entries = JSON.parse(row.entries) as EventEntry[];
          expect(entries).toHaveLength(row.last - row.first + 1);
          const firstAt = (entries[0] as EventEntry)[1] as string;
          entries.forEach((entry, i) => {
            read.push(eventFromEntry(row.first + i, entry, firstAt, (ref) => outputs.get(ref)));
          });
        }
        expect(read).toEqual(events);
        // A row is cut exactly where seqs stop following each other.
        for (let i = 1; i < rows.length; i++) {
          expect((rows[i] as { first: number }).first).toBeGreaterThan(
            (rows[i - 1] as { last: number }).last + 1,
          );
        }
      }),
    );
  });
});

describe('run pages', () => {
  const rowList = fc.array(fc.record({ created_at: fc.string(), id: fc.string() }), {
    maxLength: 8,
  });

  it('carry a cursor naming their last row only when a row beyond the page was read', () => {
    fc.assert(
      fc.property(rowList, fc.integer({ min: 1, max: 6 }), (rows, limit) => {
        const read = rows.length;
        const page = pageOf([...rows], limit);
        expect(page.rows).toEqual(rows.slice(0, limit));
        if (read <= limit) expect(page.cursor).toBeUndefined();
        else {
          const last = rows[limit - 1] as { created_at: string; id: string };
          expect(decodeCursor(page.cursor as string)).toEqual([last.created_at, last.id]);
        }
      }),
    );
  });

  it('refuse a cursor they did not make, naming the fault', () => {
    for (const bad of ['', 'not-base64!', Buffer.from('[1,2]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    }
  });
});

describe('prune statuses', () => {
  it('are only terminal ones, whatever the query asks for', () => {
    fc.assert(
      fc.property(fc.option(fc.subarray([...RUN_STATUSES]), { nil: undefined }), (statuses) => {
        // The type allows terminal ones only; a caller outside TypeScript can pass any.
        const taken = pruneStatuses((statuses === undefined ? {} : { statuses }) as PruneQuery);
        expect(taken.every((s) => isTerminal(s))).toBe(true);
        if (statuses === undefined) expect(taken).toEqual(['succeeded', 'failed', 'cancelled']);
      }),
    );
  });
});
