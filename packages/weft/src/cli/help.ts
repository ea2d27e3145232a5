/** `weft help`. */
export const HELP = `weft — a durable workflow engine for automation and AI graphs

Usage:
  weft run FILE [--input JSON | --input @file.json] [--db PATH] [--json]
      Run a workflow in this process on the embedded store (default ./.weft/weft.db).
      Progress per node goes to stderr; the outputs (or with --json the run) to stdout.
      Exit 0 succeeded, 1 failed or cancelled, 2 invalid definition or input,
      3 waiting for an answer (the run stays in the store).
  weft validate FILE...
      Check definitions; problems print as file:line:column: path: message (exit 2 if any).
  weft graph FILE [--format mermaid|dot]
      Print the workflow's graph.
  weft runs list [--workflow ID] [--status S] [--limit N] [--json] [--db PATH]
  weft runs show RUN [--json]        every node with status, attempts, timings, output, error
  weft runs events RUN [--after SEQ] [--json]
  weft runs pause|cancel RUN
  weft runs resume RUN               resume a paused run, or carry on one whose process died
  weft runs retry RUN [--from NODE]  re-run failed nodes (or NODE and all after it)
  weft runs input RUN --node NODE --value JSON   answer a waiting human node
      Every runs command also works against a server: add --server URL [--key KEY]
      (or WEFT_API_KEY). There, weft runs events RUN --follow streams the events live.
  weft serve [--port 8080] [--host 127.0.0.1] [--db PATH]
      The HTTP API (docs/api.md), cron schedules, webhooks, /metrics. API keys come from
      WEFT_API_KEYS=tenant:key,... and from weft keys create; without any the API is open
      and listens on 127.0.0.1 only. SIGTERM drains (WEFT_DRAIN_MS, default 10000).
      Logs: JSON lines on stderr (WEFT_LOG_LEVEL=debug|info|warn|error|silent).
  weft keys create --tenant T [--db PATH] [--json]
      Make an API key for tenant T and print it once (only its hash is stored).
      A running weft serve on the same database accepts it at once.
  weft keys list --tenant T [--json]  ids, prefixes and creation times
  weft keys revoke ID --tenant T      the key stops working at once
  weft help | weft --version

Docs: docs/language.md, docs/nodes.md, docs/cli.md, docs/api.md, docs/operations.md
`;
