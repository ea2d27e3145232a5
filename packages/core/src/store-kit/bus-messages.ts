/**
 * @module store-kit/bus-messages
 * Reading a bus message back from the text a store carried it as (a NOTIFY payload, a row of the
 * SQLite bus): both stores accept the same kinds and refuse anything else.
 */
import type { BusMessage } from '../ports/cluster.js';

const KINDS = new Set<string>(['runs', 'wake', 'forward', 'reply']);

/** The message the text carries, or undefined for one that is not a bus message. */
export function parseBusMessage(text: string): BusMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  if (kind === 'runs' && !Array.isArray((value as { runs?: unknown }).runs)) return undefined;
  return value as BusMessage;
}
