/**
 * @module triggers/cron
 * Cron expressions (croner: 5 fields, or 6 with seconds first, or a nickname such as `@daily`; in
 * a time zone) and the schedules a published workflow's `cron` triggers make in the store.
 */
import { Cron } from 'croner';
import type { ScheduleSpec, Store, WorkflowDefinition } from '@weft/core';

/** A `cron` trigger of a definition, with its index in `triggers`. */
export interface CronTrigger {
  index: number;
  schedule: string;
  timezone?: string;
  input?: Record<string, unknown>;
}

/**
 * Parses an expression. Day of month and day of week combine with OR when both are restricted, as
 * in Vixie cron (and croner's default).
 * @throws Error with croner's message for an expression it refuses
 */
export function parseCron(schedule: string, timezone?: string): Cron {
  return new Cron(schedule.trim(), {
    paused: true,
    mode: '5-or-6-parts',
    ...(timezone === undefined ? {} : { timezone }),
  });
}

/** The first fire strictly after `after` (epoch ms), or undefined if the expression never fires. */
export function nextFire(
  schedule: string,
  timezone: string | undefined,
  after: number,
): number | undefined {
  const next = parseCron(schedule, timezone).nextRun(new Date(after));
  return next === null || next === undefined ? undefined : next.getTime();
}

/** The definition's `cron` triggers, in order. */
export function cronTriggers(definition: WorkflowDefinition): CronTrigger[] {
  const out: CronTrigger[] = [];
  (definition.triggers ?? []).forEach((t, index) => {
    if (t.type !== 'cron' || typeof t['schedule'] !== 'string') return;
    const trigger: CronTrigger = { index, schedule: t['schedule'] };
    if (typeof t['timezone'] === 'string') trigger.timezone = t['timezone'];
    if (typeof t['input'] === 'object' && t['input'] !== null) {
      trigger.input = t['input'] as Record<string, unknown>;
    }
    out.push(trigger);
  });
  return out;
}

/**
 * What the DSL's shape check lets through but croner refuses (`99 * * * *`), and expressions that
 * never fire (`0 0 30 2 *`).
 */
export function cronDiagnostics(
  definition: WorkflowDefinition,
  now = Date.now(),
): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const t of cronTriggers(definition)) {
    const path = ['triggers', t.index, 'schedule'];
    try {
      if (nextFire(t.schedule, t.timezone, now) === undefined) {
        out.push({ path, message: `cron schedule "${t.schedule}" never fires` });
      }
    } catch (error) {
      out.push({
        path,
        message: `invalid cron schedule "${t.schedule}": ${(error as Error).message}`,
      });
    }
  }
  return out;
}

/**
 * Makes the store's schedules of a workflow those of its `cron` triggers. An unchanged schedule
 * keeps its next due time (publishing again neither re-fires nor skips one); a new or changed one
 * is due at its first fire after `now`.
 */
export async function syncSchedules(
  store: Store,
  tenant: string,
  definition: WorkflowDefinition,
  now: number,
): Promise<void> {
  const specs: ScheduleSpec[] = [];
  for (const t of cronTriggers(definition)) {
    const nextDue = nextFire(t.schedule, t.timezone, now);
    if (nextDue === undefined) continue;
    const spec: ScheduleSpec = { triggerIndex: t.index, schedule: t.schedule, nextDue };
    if (t.timezone !== undefined) spec.timezone = t.timezone;
    if (t.input !== undefined) spec.input = t.input;
    specs.push(spec);
  }
  // Most workflows have no schedule, before or after: a read spares them a write transaction.
  if (specs.length === 0 && (await store.listSchedules(tenant, definition.id)).length === 0) return;
  await store.replaceSchedules(tenant, definition.id, specs);
}
