/**
 * @module log
 * Structured logs with pino: one JSON object per line, `level` as a name (`"info"`), `time` in
 * ISO 8601, `msg`, and the fields given. Errors in any field become `{ type, message, code?, stack }`.
 * `Authorization` headers, passwords, API keys and secrets are redacted wherever they would appear
 * under those names; the server never logs bodies or headers in the first place.
 *
 * @example
 * ```ts
 * const log = jsonLogger({ level: logLevelFrom(process.env.WEFT_LOG_LEVEL) });
 * log.info({ runId }, 'run started');
 * ```
 */
import type { Logger } from '@weft/core';
import { pino, type DestinationStream } from 'pino';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Field names whose values never reach a log line. */
const REDACT = [
  'authorization',
  'password',
  'api_key',
  'apiKey',
  'secret',
  '*.authorization',
  '*.password',
  '*.api_key',
  '*.apiKey',
  '*.secret',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
];

/** Errors become `{ type, message, code?, stack }`; everything else is kept as it is. */
function plain(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { type: value.name, message: value.message };
  const code = (value as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (value.stack !== undefined) out['stack'] = value.stack;
  return out;
}

/** Errors under other names than `err` (which pino's own serializer takes) made plain. */
function plainFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'err' && v instanceof Error) {
      out ??= { ...obj };
      out[k] = plain(v);
    }
  }
  return out ?? obj;
}

/**
 * A pino logger writing JSON lines at `level` and above to `out` (stderr by default, written
 * synchronously so that nothing is lost at exit).
 */
export function jsonLogger(
  o: { out?: { write(text: string): unknown }; level?: LogLevel; bindings?: object } = {},
): Logger {
  const destination: DestinationStream =
    o.out === undefined
      ? pino.destination({ dest: 2, sync: true })
      : { write: (text: string) => void o.out!.write(text) };
  const logger = pino(
    {
      level: o.level ?? 'info',
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => plainFields(obj),
      },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
  return o.bindings === undefined ? logger : logger.child(o.bindings);
}

/** `WEFT_LOG_LEVEL` if it names a level, else `info`. */
export function logLevelFrom(value: string | undefined): LogLevel {
  const v = value?.trim().toLowerCase();
  return v !== undefined && (LEVELS as readonly string[]).includes(v) ? (v as LogLevel) : 'info';
}
