/**
 * @module mcp/transport
 * The two ways to reach an MCP server: a child process spoken to over stdio, started from a
 * command line without a shell and with a bare environment, or streamable HTTP through the SSRF
 * guard (its requests can reach only the addresses checked for the server's host, as the http
 * node's do), with the credential's header on every request.
 */
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WeftError, type NodeContext } from '@weft/core/plugin';
import { credentialHeader, parseUrl } from '../http/request.js';
import type { SsrfGuard } from '../http/ssrf.js';
import { undici } from '../http/undici.js';
import { splitCommandLine } from './command-line.js';
import type { McpSdk } from './sdk.js';

/** Which MCP server to reach, and how. */
export interface McpTarget {
  /** A stdio command line (`node server.mjs --flag`) or a streamable-HTTP `http(s)` URL. */
  server: string;
  /** A credential sent with every HTTP request (`bearer`, `header`, `basic`). */
  credential?: string | undefined;
  /**
   * Environment variables of a stdio server: it gets these and the SDK's harmless defaults
   * (`PATH`, `HOME`, `USER`, `LOGNAME`, `SHELL`, `TERM`), never the rest of this process's.
   */
  env?: Readonly<Record<string, string>> | undefined;
}

/** An opened transport, with what error messages need to say about it. */
export interface OpenedTransport {
  transport: Transport;
  /** The server as named in messages: the URL, or the command line's program. */
  label: string;
  /** The last lines a stdio server wrote to stderr (why it crashed, often). */
  stderrTail(): string;
  /** The credential's secret values, kept out of outputs and error messages. */
  secrets: readonly string[];
  /** Frees what the transport holds beyond the SDK's own close (the guarded dispatcher). */
  release(): void;
}

/** Most of a stdio server's stderr kept for error messages, in characters. */
const STDERR_TAIL = 1000;

export function isHttpServer(server: string): boolean {
  return /^https?:\/\//i.test(server.trim());
}

/**
 * Makes the transport for a target; nothing is sent yet.
 * @throws WeftError `invalid_url`, `ssrf_blocked`, `invalid_params`, `credential_not_found`.
 */
export async function openTransport(
  sdk: McpSdk,
  ctx: NodeContext,
  target: McpTarget,
  guard: SsrfGuard,
): Promise<OpenedTransport> {
  return isHttpServer(target.server)
    ? httpTransport(sdk, ctx, target, guard)
    : stdioTransport(sdk, target);
}

function stdioTransport(sdk: McpSdk, target: McpTarget): OpenedTransport {
  const [command, ...args] = splitCommandLine(target.server) as [string, ...string[]];
  const transport = new sdk.StdioClientTransport({
    command,
    args,
    env: { ...target.env },
    stderr: 'pipe',
  });
  let tail = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  return {
    transport,
    label: command,
    stderrTail: () => tail.trim(),
    secrets: [],
    release: () => {},
  };
}

async function httpTransport(
  sdk: McpSdk,
  ctx: NodeContext,
  target: McpTarget,
  guard: SsrfGuard,
): Promise<OpenedTransport> {
  const url = parseUrl(target.server.trim());
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  if (target.credential !== undefined) {
    const [name, value, values] = credentialHeader(await ctx.credentials.get(target.credential));
    headers[name] = value;
    secrets.push(...values);
  }
  const checked = await guard.check(url, ctx.signal, ctx.hostAllow);
  const dispatcher = guard.dispatcher(checked);
  // Redirects are the SDK's to follow (same origin only), each one through this function again:
  // a hop to another host is refused here, before a connection is made.
  const fetch: FetchLike = async (input, init) => {
    const to = new URL(String(input));
    if (to.hostname !== url.hostname) {
      throw new WeftError(
        'ssrf_blocked',
        `MCP server ${url.origin} redirected to another host (${to.hostname}); refused`,
      );
    }
    const response = await undici().fetch(to, {
      ...(init as object),
      redirect: 'manual',
      dispatcher,
    });
    return response;
  };
  const transport = new sdk.StreamableHTTPClientTransport(url, { fetch, requestInit: { headers } });
  return {
    transport,
    label: url.href,
    stderrTail: () => '',
    secrets,
    release: () => void dispatcher.destroy().catch(() => {}),
  };
}
