/** The CLI's exit codes (SPEC section 9). */
export const EXIT = {
  ok: 0,
  failed: 1,
  invalid: 2,
  waiting: 3,
} as const;

/** An error that ends the command with a message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
