/**
 * @module mcp/errors
 * Turns what the MCP SDK, the child process and the network throw into Weft's codes: the node's
 * timeout or cancel stays what it was; a server that cannot be started, reached or kept alive is
 * `mcp_unavailable` (retryable: it may come back), except when it refuses our credential.
 */
import { WeftError } from '@weft/core/plugin';
import { errorCode } from '../http/errors.js';
import type { McpSdk } from './sdk.js';

/** Where a failure happened, for its message. */
export interface FailurePlace {
  /** The node's path in the run. */
  node: string;
  /** The server as named in messages. */
  server: string;
  /** What was being done: `connecting`, `listing tools`, `calling echo`. */
  doing: string;
  /** The last lines of a stdio server's stderr. */
  stderr: string;
  signal: AbortSignal;
}

export function mcpError(sdk: McpSdk, error: unknown, place: FailurePlace): WeftError {
  const where = `MCP server ${place.server} (node ${place.node}), ${place.doing}`;
  if (place.signal.aborted) {
    const reason: unknown = place.signal.reason;
    if (WeftError.is(reason)) {
      return new WeftError(reason.code, `${where}: ${reason.message}`, {
        retryable: reason.retryable,
        cause: reason,
      });
    }
    return new WeftError('aborted', `${where}: aborted`, { retryable: true, cause: reason });
  }
  if (WeftError.is(error)) return error;
  if (error instanceof sdk.McpError && error.code === Number(sdk.ErrorCode.RequestTimeout)) {
    return new WeftError('timeout', `${where}: no answer in time`, { cause: error });
  }
  const status = error instanceof sdk.StreamableHTTPError ? error.code : undefined;
  const refused = status === 401 || status === 403;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const stderr = place.stderr === '' ? '' : `; its stderr ends with: ${place.stderr}`;
  return new WeftError('mcp_unavailable', `${where} failed: ${message}${stderr}`, {
    retryable: !refused,
    level: refused ? 'user' : 'operational',
    cause: error,
    details: {
      server: place.server,
      ...(status === undefined ? {} : { status }),
      ...(code === undefined ? {} : { cause_code: code }),
    },
  });
}
