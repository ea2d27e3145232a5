/**
 * @module mcp/params
 * The `tool` node's parameters (`with:`).
 */
import { z } from 'zod';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Schema of the tool node's `with:` block. */
export const toolParams = z.strictObject({
  /** A stdio command line (`node server.mjs`, no shell) or a streamable-HTTP `http(s)` URL. */
  server: z.string().trim().min(1),
  /** The tool's name as the server lists it. */
  tool: z.string().min(1),
  /** The tool's arguments, checked against its input schema before the call. */
  arguments: z.record(z.string(), z.unknown()).default({}),
  /** A stored credential sent with every request to an HTTP server (bearer, header, basic). */
  credential: z.string().min(1).optional(),
  /** The environment of a stdio server, besides PATH, HOME, USER, LOGNAME, SHELL and TERM. */
  env: z
    .record(
      z.string().regex(ENV_NAME, 'an environment variable name'),
      z.union([z.string(), z.number(), z.boolean()]).transform(String),
    )
    .default({}),
});

export type ToolParams = z.infer<typeof toolParams>;
