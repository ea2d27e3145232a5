/**
 * @module log
 * A small structured logger: one JSON object per line, pino's shape (`level`, `time`, `msg` and
 * the bindings), so that pino can replace it without changing a call site.
 */
import type { Logger } from '@weft/core';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

/** Errors become `{ type, message, code?, stack }`; everything else is kept as it is. */
function plain(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { type: value.name, message: value.message };
  const code = (value as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (value.stack !== undefined) out['stack'] = value.stack;
  return out;
}

/** Writes JSON lines at `level` and above to `out` (stderr by default). */
export function jsonLogger(
  o: { out?: { write(text: string): unknown }; level?: LogLevel; bindings?: object } = {},
): Logger {
  const out = o.out ?? process.stderr;
  const min = LEVELS[o.level ?? 'info'];
  const bindings = o.bindings ?? {};
  const write = (level: Exclude<LogLevel, 'silent'>, obj: object, msg?: string) => {
    if (LEVELS[level] < min) return;
    const fields: Record<string, unknown> = { level, time: new Date().toISOString(), ...bindings };
    for (const [k, v] of Object.entries(obj)) fields[k] = plain(v);
    if (msg !== undefined) fields['msg'] = msg;
    out.write(`${JSON.stringify(fields)}\n`);
  };
  return {
    debug: (obj, msg) => write('debug', obj, msg),
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
    child: (more) =>
      jsonLogger({ out, level: o.level ?? 'info', bindings: { ...bindings, ...more } }),
  };
}

/** `WEFT_LOG_LEVEL` if it names a level, else `info`. */
export function logLevelFrom(value: string | undefined): LogLevel {
  return value !== undefined && value in LEVELS ? (value as LogLevel) : 'info';
}
