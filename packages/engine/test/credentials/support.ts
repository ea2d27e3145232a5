/**
 * Helpers of the credentials tests: a logger that keeps every line (child bindings included) as
 * text, so that tests can search it for secrets.
 */
import type { Logger } from '../../src/index.js';

export interface Captured {
  log: Logger;
  /** Every line so far, serialised (errors with message, stack, details and cause). */
  text(): string;
  lines: { level: string; bindings: object; obj: object; msg: string | undefined }[];
}

const replacer = (_key: string, value: unknown): unknown => {
  if (value instanceof Error) {
    return {
      ...value,
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: value.cause,
    };
  }
  return value;
};

export function captureLog(): Captured {
  const lines: Captured['lines'] = [];
  const make = (bindings: object): Logger => {
    const at = (level: string) => (obj: object, msg?: string) =>
      lines.push({ level, bindings, obj, msg });
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return {
    log: make({}),
    lines,
    text: () => lines.map((l) => JSON.stringify(l, replacer)).join('\n'),
  };
}

/** A secret of the length `WEFT_SECRET_KEY` needs. */
export const SECRET_A = 'test-secret-key-A-0123456789abcdefghij';
export const SECRET_B = 'test-secret-key-B-0123456789abcdefghij';
