/**
 * @module triggers
 * Webhooks (`engine.webhooks.deliver`) and cron schedules (`startScheduler`).
 */
export {
  Webhooks,
  hookKeys,
  normalizePath,
  DELIVERY_HEADERS,
  type HeaderBag,
  type WebhookRequest,
  type WebhookResult,
  type WebhookHost,
} from './webhooks.js';
export {
  signWebhook,
  verifySignature,
  computeSignature,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  type SignatureProblem,
} from './signature.js';
export {
  Scheduler,
  startScheduler,
  type SchedulerHost,
  type SchedulerOptions,
} from './scheduler.js';
export {
  cronDiagnostics,
  cronTriggers,
  nextFire,
  parseCron,
  syncSchedules,
  type CronTrigger,
} from './cron.js';
