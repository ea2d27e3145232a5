/**
 * @module code/params
 * The code node's parameters (`with:`). The source is kept verbatim (never rendered as a
 * template), and its syntax is checked when the workflow is validated, where the language allows.
 */
import { checkSyntax, LANGUAGES, MAX_SOURCE_BYTES, type Language } from '@weft/sandbox';
import { z } from 'zod';

/** Upper bounds on the per-node limits: a node may ask for more than the defaults, up to these. */
export const MAX_TIMEOUT_MS = 300_000;
export const MAX_MEMORY_MB = 1024;

export const codeParams = z
  .strictObject({
    language: z.enum(LANGUAGES).default('javascript'),
    /** The body of a function of `input`. */
    source: z
      .string()
      .min(1)
      .max(MAX_SOURCE_BYTES, { error: `must be at most ${MAX_SOURCE_BYTES} characters` }),
    /** The code's `input`: any JSON value, usually a template over the run's scope. */
    input: z.unknown().optional(),
    /** This node's time limit (default WEFT_CODE_TIMEOUT_MS, else 5000). */
    timeout_ms: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
    /** This node's memory limit (default WEFT_CODE_MEMORY_MB, else 64). */
    memory_mb: z.number().int().min(1).max(MAX_MEMORY_MB).optional(),
  })
  .refine((p) => checkSyntax(p.language, p.source) === undefined, {
    path: ['source'],
    error: (issue) => {
      const p = issue.input as { language: Language; source: string };
      const problem = checkSyntax(p.language, p.source);
      return problem === undefined
        ? 'syntax error in the source'
        : `syntax error at line ${problem.line}, column ${problem.column} of the source: ${problem.message}`;
    },
  });

export type CodeParams = z.infer<typeof codeParams>;
