/** `weft help`. */
export const HELP = `weft — a durable workflow engine for automation and AI graphs

Usage:
  weft run FILE [--input JSON | --input @file.json] [--db PATH] [--json] [--sync full|normal]
      Run a workflow in this process on the embedded store (default ./.weft/weft.db).
      Progress per node goes to stderr; the outputs (or with --json the run) to stdout.
      Exit 0 succeeded, 1 failed or cancelled, 2 invalid definition or input,
      3 waiting for an answer (the run stays in the store).
      --sync (or WEFT_SYNC): full (default) survives power loss, normal a process crash.
  weft run FILE --server URL [--key KEY] [--input JSON] [--json]
      Publish the workflow to a server and run it there, following its progress.
  weft run FILE --postgres URL [--input JSON] [--json]
      Publish to a PostgreSQL database and start the run for its workers; follow it.
  weft test-node FILE NODE [--scope JSON | --scope @file.json] [--db PATH | --server URL]
      Run one node alone with the scope its expressions see (inputs, upstream outputs by
      id); nothing is stored. Prints its output as JSON; exit 1 when the node fails.
  weft publish FILE [--db PATH | --server URL [--key KEY] | --postgres URL] [--json]
      Store the definition as a new version of its workflow (same content: same version).
  weft workflows list | show ID [--version N] | delete ID
            [--db PATH | --server URL | --postgres URL]
      The stored workflows; delete keeps their runs.
  weft credentials set NAME --type T ... | list | delete NAME   [--db PATH | --server URL]
      Secrets for nodes' credential: (openai for llm; bearer, basic, header for http).
  weft validate FILE...
      Check definitions; problems print as file:line:column: path: message (exit 2 if any).
  weft graph FILE [--format mermaid|dot]
      Print the workflow's graph.
  weft runs list [--workflow ID] [--status S] [--limit N] [--json] [--db PATH]
      RUN below is a run id, a unique prefix of one, or "last" for the latest run.
  weft runs show RUN [--json]        every node with status, attempts, timings, output, error
  weft runs events RUN [--after SEQ] [--json]
  weft runs pause|cancel RUN
  weft runs resume RUN               resume a paused run, or carry on one whose process died
  weft runs retry RUN [--from NODE]  re-run failed nodes (or NODE and all after it)
  weft runs input RUN --node NODE --value JSON   answer a waiting human node
  weft runs send RUN TYPE [--data JSON]         send an event to a state-machine run
  weft runs delete RUN               delete a finished run and everything stored for it
  weft runs prune --older-than 30d [--status S] [--workflow ID]
      Delete finished runs that finished longer ago (30d, 12h, 90m, 45s) and give their disk
      back; runs not finished are never deleted.
      Every runs command also works against a server: add --server URL [--key KEY]
      (or WEFT_API_KEY). There, weft runs events RUN --follow streams the events live.
      On PostgreSQL (--postgres URL or WEFT_POSTGRES_URL) they work beside the workers:
      a run moved is handed to them (resume, retry and input then follow it), and
      events --follow streams live too.
      On a local file they work beside weft serve, weft worker and each other: the
      processes of this machine share the file, and a run is carried by the one that holds it.
  weft serve [--port 8080] [--host 127.0.0.1] [--db PATH | --postgres URL]
            [--sync full|normal] [--retention-days N]
      The HTTP API (docs/api.md), cron schedules, webhooks, /metrics, and the workflows'
      retention (or --retention-days for those without), on the SQLite file or on
      PostgreSQL (--postgres or WEFT_POSTGRES_URL). API keys come from
      WEFT_API_KEYS=tenant:key,... and from weft keys create; without any the API is open
      and listens on 127.0.0.1 only. SIGTERM drains (WEFT_DRAIN_MS, default 10000).
      Logs: JSON lines on stderr (WEFT_LOG_LEVEL=debug|info|warn|error|silent).
  weft worker (--postgres URL | --db PATH) [--concurrency N]
      A worker only, one of many on a shared PostgreSQL database (or WEFT_POSTGRES_URL), or
      on a SQLite file of this machine: it carries runs under leases and fires cron
      schedules, with no HTTP server. A worker that dies loses its runs to the others after
      its lease (10 s). SIGTERM drains.
  weft keys create --tenant T [--db PATH | --postgres URL] [--json]
      Make an API key for tenant T and print it once (only its hash is stored).
      A running weft serve on the same database accepts it at once.
  weft keys list --tenant T [--json]  ids, prefixes and creation times
  weft keys revoke ID --tenant T      the key stops working at once
  weft tenants move FROM TO [--db PATH | --postgres URL] [--json]
      Give everything tenant FROM holds to TO, e.g. what the open mode made (tenant
      default) to a key's tenant: weft tenants move default acme. Stop weft serve first.
  weft migrate [--db PATH | --postgres URL]
      Bring the database's schema up to date and exit (weft serve also does at start).
  weft doctor [--db PATH | --postgres URL] [--json]
      Check the database file (SQLite integrity check, and that it is Weft's): ok and the live
      workers sharing it, or what is wrong (exit 1). Nothing in the file is changed. On
      PostgreSQL: that it can be reached and is Weft's, the migrations it lacks, and the live
      workers.
  weft mcp [--db PATH | --server URL [--key KEY]] [--timeout MS]
      The stored workflows as MCP tools on stdio, for MCP clients (a call runs the workflow
      and answers its output); weft serve offers the same at /mcp.
  weft import astron|dify FILE [-o OUT] [--partial]
      Translate an astron-agent canvas (JSON) or a Dify workflow DSL file (YAML) into a Weft
      definition (YAML; comments mark what was approximated). Parts that do not translate are
      listed with their line:column; the rest is still written, and the exit is 1 unless
      --partial. A file that is not one exits 2 (docs/importers.md).
  weft export sw FILE [-o OUT] [--partial]
      Write a Weft graph as a CNCF Serverless Workflow 1.0 document; nodes that do not map
      are listed the same way.
  weft help COMMAND | weft COMMAND --help   that command's options and examples
  weft --version

Docs: docs/language.md, docs/nodes.md, docs/cli.md, docs/api.md, docs/operations.md,
      docs/importers.md
`;

/** `weft help CMD` and `weft CMD --help`: the command's own options and examples. */
export const COMMAND_HELP: Record<string, string> = {
  run: `weft run FILE [--input JSON | --input @file.json]
         [--db PATH | --server URL | --postgres URL] [--json] [--sync full|normal]

Runs a workflow in this process on the embedded store and prints its outputs on stdout.
Progress per node, and the run id, go to stderr. With --server, the workflow is published to that
server and runs there; weft run follows it. On a local file it runs in this process, beside any
weft serve or weft worker on the same file (if this process dies, they carry the run on once its
lease lapses, 10 s). With
--postgres, it is published to that database and its workers run it (weft worker, weft serve
--postgres); weft run follows it, and a human node is answered with weft runs input.

Options:
  --input JSON     the run's input: JSON text, or @file.json to read it from a file
  --db PATH        the database (default ./.weft/weft.db; :memory: keeps nothing)
  --server URL     run on this server instead (publishes FILE there first)
  --key KEY        the server's API key (default: WEFT_API_KEY)
  --postgres URL   run on the workers of this PostgreSQL database (default:
                   WEFT_POSTGRES_URL unless --db or --server is given)
  --json           print the whole run object (status, output, error, nodes) instead
  --sync MODE      full (default; WEFT_SYNC): a committed step survives power loss;
                   normal: survives a crash of the process, faster; the last steps may be
                   lost on power loss (docs/operations.md)

Finished runs of workflows with a retention (retention: { days, runs }) past it are deleted
at the start.

Exit: 0 succeeded, 1 failed or cancelled, 2 invalid definition or input,
      3 waiting for an answer (the run stays in the store).

Examples:
  weft run examples/hello.yaml --input '{"name":"Ada"}'
  weft run order.yaml --input @order.json --json
  weft run examples/hello.yaml --server http://127.0.0.1:8080 --key "$KEY"
  weft run examples/hello.yaml --postgres postgres://weft@db.internal:5432/weft
`,
  validate: `weft validate FILE...

Checks definitions without running them. Every problem prints on stdout as
file:line:column: path: message; a valid file prints "FILE: ok" on stderr.

Exit: 0 all valid, 2 a problem in any file.

Examples:
  weft validate examples/hello.yaml
  weft validate flows/*.yaml
`,
  graph: `weft graph FILE [--format mermaid|dot]

Prints the workflow's graph; bodies of foreach/loop nodes are subgraphs.

Options:
  --format mermaid|dot   Mermaid (default) or Graphviz DOT

Examples:
  weft graph examples/branching.yaml
  weft graph examples/foreach.yaml --format dot | dot -Tsvg > foreach.svg
`,
  'test-node': `weft test-node FILE NODE [--scope JSON | --scope @file.json]
         [--db PATH | --server URL [--key KEY] | --postgres URL] [--json]

Runs one node of the workflow in FILE alone, as a run would run it, and prints its output as
JSON on stdout; no run is made and nothing is stored. The scope is what the node's expressions
see: "inputs", the outputs of the nodes before it under their ids, "run"; in a foreach or loop
body "item", "index", "iteration", "previous". In this process the node uses the credentials of
the local database (--db); with --server, the server's, for its API key's tenant. One attempt:
no retry and no on_error. human, wait, subworkflow, foreach and loop nodes cannot run alone.

Options:
  --scope JSON     the scope: JSON text, or @file.json to read it from a file (default {})
  --db PATH        the database whose credentials the node uses (default ./.weft/weft.db)
  --server URL     run the node on this server instead
  --key KEY        the server's API key (default: WEFT_API_KEY)
  --postgres URL   use this PostgreSQL database's credentials (default: WEFT_POSTGRES_URL
                   unless --db or --server is given)
  --json           print the whole answer: { status, output | error, port?, duration_ms }

Exit: 0 the node succeeded, 1 it failed (its error on stderr), 2 invalid definition, scope
      or node.

Examples:
  weft test-node flow.yaml fetch --scope '{"inputs":{"id":7}}'
  weft test-node flow.yaml summarize --scope @scope.json --server http://127.0.0.1:8080
`,
  serve: `weft serve [--port 8080] [--host 127.0.0.1] [--db PATH | --postgres URL]
           [--sync full|normal] [--retention-days N]

Serves the HTTP API (docs/api.md), cron schedules, webhooks and /metrics on the embedded store,
or on PostgreSQL with --postgres (docs/operations.md).
API keys come from WEFT_API_KEYS=tenant:key,... and from weft keys create; without any the API
is open and listens on a loopback address only. SIGTERM drains (WEFT_DRAIN_MS, default 10000).
WEFT_START_RATE=LIMIT/PER (20/s, 1200/min, 100/PT10S) caps the runs each tenant starts through
the API, /mcp and webhooks, counted across every server on the database: past it a start is
answered 429 with Retry-After.

Options:
  --port N       the port (default 8080; 0 picks a free one)
  --host HOST    the address to listen on (default 127.0.0.1)
  --db PATH      the database (default ./.weft/weft.db)
  --postgres URL a PostgreSQL database instead: postgres://USER[:PASSWORD]@HOST[:PORT]/DB
                 (default: WEFT_POSTGRES_URL; set WEFT_SECRET_KEY for credentials)
  --sync MODE    full (default; WEFT_SYNC): a committed step survives power loss;
                 normal: survives a crash of the process, faster (docs/operations.md)
  --retention-days N   delete finished runs N days after they finished, for workflows without
                 their own retention: { days, runs } (default: keep; WEFT_RETENTION_DAYS).
                 Applied at start and every 10 minutes; the disk is given back.

Examples:
  weft serve
  weft serve --sync normal --retention-days 30
  WEFT_API_KEYS=acme:s3cret WEFT_START_RATE=20/s weft serve --host 0.0.0.0 --port 9000
  weft serve --postgres postgres://weft@db.internal:5432/weft
`,
  worker: `weft worker (--postgres URL | --db PATH) [--concurrency N]

A worker only, with no HTTP server: one of many processes on one PostgreSQL database, or on one
SQLite file of this machine (never one on a network file system), beside a weft serve on the same
database for the API. It carries runs under leases (a worker
that dies loses its runs to the others once its lease lapses, 10 s; the nodes it was running run
again) and fires the workflows' cron schedules (each due time once, whichever worker takes it).
Run weft migrate --postgres first; give every worker the same WEFT_SECRET_KEY.
Logs: JSON lines on stderr (WEFT_LOG_LEVEL), each naming the worker (host:pid).
SIGTERM or SIGINT drains: no new work, the nodes running may finish within WEFT_DRAIN_MS
(default 10000), then the worker lets go of its runs and exits 0.

Options:
  --postgres URL     the shared database: postgres://USER[:PASSWORD]@HOST[:PORT]/DB
                     (default: WEFT_POSTGRES_URL)
  --db PATH          a SQLite file the processes of this machine share
  --concurrency N    runs carried at once, at most (default 64)

Examples:
  weft worker --postgres postgres://weft@db.internal:5432/weft
  WEFT_POSTGRES_URL=postgres://weft@db.internal:5432/weft weft worker --concurrency 16
  weft worker --db ./.weft/weft.db
`,
  migrate: `weft migrate [--db PATH | --postgres URL]

Brings the database's schema up to date and exits; weft serve does the same at start. All
pending steps apply in one transaction, so a failure changes nothing; on PostgreSQL an advisory
lock makes processes starting together take turns. A database written by a newer Weft, or
another application's, is refused and left as it is.

Options:
  --db PATH       the SQLite file (default ./.weft/weft.db)
  --postgres URL  a PostgreSQL database (default: WEFT_POSTGRES_URL)

Examples:
  weft migrate --postgres postgres://weft@db.internal:5432/weft
`,
  runs: `weft runs COMMAND RUN [options]

Looks at and acts on runs in a local database (--db, default ./.weft/weft.db), on a server
with --server URL [--key KEY] (or WEFT_API_KEY), or on a PostgreSQL database beside its
workers with --postgres URL (or WEFT_POSTGRES_URL). A local file is shared with the weft serve
or weft worker on it. RUN is a run id, a unique prefix of one, or "last" for the latest run.

Commands:
  list [--workflow ID] [--status S] [--limit N]   newest first; S is one of queued, running,
                                                  waiting, paused, succeeded, failed, cancelled;
                                                  N from 1 to 1000 (default 50)
  show RUN                           every node with status, attempts, timings, output, error
  events RUN [--after SEQ] [--follow]  the run's events (--follow: live, through a server
                                       or on PostgreSQL)
  pause RUN | cancel RUN
  resume RUN                         resume a paused run, or carry on one whose process died
  retry RUN [--from NODE]            re-run failed nodes (or NODE and all after it)
  input RUN --node NODE --value JSON answer a waiting human node
  send RUN TYPE [--data JSON]        send an event to a state-machine run
  delete RUN                         delete a finished run and everything stored for it
                                     (its child runs too); the disk is given back
  prune --older-than AGE [--status S] [--workflow ID]
                                     delete finished runs that finished more than AGE ago
                                     (30d, 12h, 90m, 45s); S is succeeded, failed or
                                     cancelled. Runs not finished are never deleted. Prints
                                     how many, and locally how much smaller the file is.

Options of every command: --json, --db PATH, --server URL, --key KEY, --postgres URL
resume, retry, input and send follow the run until it ends or waits again, with the exit codes of
weft run. On PostgreSQL the change is handed to the workers, which carry the run on; this
process executes no node (give it the workers' WEFT_SECRET_KEY when credentials are stored).

Examples:
  weft runs list --status failed --limit 10
  weft runs show last
  weft runs input 0193ab --node approve --value true
  weft runs send last PAY --data '{"amount": 42}'
  weft runs prune --older-than 30d --status failed
  weft runs cancel last --postgres postgres://weft@db.internal:5432/weft
`,
  keys: `weft keys create|list|revoke [ID] --tenant T [--db PATH | --postgres URL] [--json]

Manages the API keys of weft serve (only their hashes are stored).

Commands:
  create --tenant T     make a key for tenant T and print it once
  list --tenant T       ids, prefixes and creation times
  revoke ID --tenant T  the key (its id from list) stops working at once

Options:
  --tenant T    the tenant the keys belong to
  --db PATH     the database (default ./.weft/weft.db)
  --postgres URL  a PostgreSQL database instead (default: WEFT_POSTGRES_URL)
  --json        print JSON

Examples:
  weft keys create --tenant acme
  weft keys list --tenant acme
  weft keys revoke KEY_ID --tenant acme
`,
  tenants: `weft tenants move FROM TO [--db PATH | --postgres URL] [--json]

Gives everything tenant FROM holds to tenant TO, in one transaction: workflows (every version),
runs, schedules, webhook deliveries and credentials (encrypted again for TO with the same secret
key: WEFT_SECRET_KEY or the key file beside the database). API keys stay with their tenant.
Without API keys everything belongs to tenant default; once keys are configured, move it to a
key's tenant. Refused, with nothing moved, when TO already has a workflow id or credential name
of FROM. It needs the database to itself: stop weft serve first.

Options:
  --db PATH     the database (default ./.weft/weft.db)
  --postgres URL  a PostgreSQL database instead (default: WEFT_POSTGRES_URL)
  --json        print what moved: { "workflows", "runs", "schedules", "credentials" }

Examples:
  weft tenants move default acme
  weft tenants move default acme --db ./data/weft.db
`,
  doctor: `weft doctor [--db PATH | --postgres URL] [--json]

Checks a database file without changing it: SQLite's integrity check, and that the file is a
Weft database. Prints ok and the processes sharing the file with a live lease (exit 0), or what
is wrong (exit 1): restore a damaged file from a backup. Weft refuses to start on a damaged file
and names this command.
On PostgreSQL it checks, writing nothing, that the server can be reached and the schema is
empty or Weft's (not a newer Weft's), and lists the migrations still to apply and the workers
holding a live lease.

Options:
  --db PATH       the database (default ./.weft/weft.db)
  --postgres URL  a PostgreSQL database instead (default: WEFT_POSTGRES_URL)
  --json          print { database, ok, problems, workers } (on PostgreSQL also schema)

Examples:
  weft doctor
  weft doctor --db ./data/weft.db
  weft doctor --postgres postgres://weft@db.internal:5432/weft
`,
  publish: `weft publish FILE [--db PATH | --server URL [--key KEY] | --postgres URL] [--json]

Checks the definition and stores it as a new version of its workflow; publishing the same
content again keeps the version it has. Problems print as file:line:column: path: message.

Options:
  --db PATH        the database (default ./.weft/weft.db)
  --server URL     publish to this server instead
  --key KEY        the server's API key (default: WEFT_API_KEY)
  --postgres URL   publish to this PostgreSQL database (default: WEFT_POSTGRES_URL)
  --json           print { "id", "version", "created" }

Exit: 0 published (or unchanged), 1 not stored (e.g. the server refused), 2 invalid definition.

Examples:
  weft publish examples/hello.yaml
  weft publish flows/triage.yaml --server https://weft.example.com --key "$KEY"
`,
  workflows: `weft workflows list | show ID [--version N] | delete ID [options]

The stored workflows of a local database (--db, default ./.weft/weft.db), of a server
with --server URL [--key KEY] (or WEFT_API_KEY), or of a PostgreSQL database with
--postgres URL (or WEFT_POSTGRES_URL).

Commands:
  list                      every workflow with its latest version
  show ID [--version N]     a version's facts and the text it was published from (default
                            the latest)
  delete ID                 every version of the workflow and its schedules; its runs are kept

Options of every command: --json, --db PATH, --server URL, --key KEY, --postgres URL

Examples:
  weft workflows list
  weft workflows show hello --version 1
  weft workflows delete hello --server http://127.0.0.1:8080
`,
  mcp: `weft mcp [--db PATH | --server URL [--key KEY]] [--timeout MS]

Serves the stored workflows as MCP tools on stdio (stdin and stdout carry the protocol;
messages go to stderr), for MCP clients that start their servers as commands. Each workflow
is a tool named by its id, whose input schema is the workflow's inputs. A call starts a run,
carried on in this process, and waits for it: the run's output is the answer (as structured
content and as JSON text); a failed run answers an error result with the run's error; a run
still going after --timeout answers an error result with its id, and goes on.
weft serve offers the
same tools over streamable HTTP at /mcp, behind its API keys.

Options:
  --db PATH        the database (default ./.weft/weft.db)
  --server URL     serve the workflows of this server instead
  --key KEY        the server's API key (default: WEFT_API_KEY)
  --timeout MS     how long a call waits for its run (default 300000)

Example, in an MCP client's configuration:
  { "command": "npx", "args": ["weft", "mcp", "--db", "/srv/weft/weft.db"] }`,
  import: `weft import astron|dify FILE [-o OUT] [--partial]

Translates a workflow made in another tool into a Weft definition, as YAML on stdout or in OUT:
  astron   an astron-agent canvas (JSON, as its editor saves it: { nodes, edges }, or under
           workflow:), its engine's protocol too (edges sourceNodeId/targetNodeId)
  dify     a Dify app exported as DSL (YAML; kind: app, mode workflow or advanced-chat)
Node kinds map to Weft node types (docs/importers.md has the table); comments in the output
say where something was approximated. A node that does not translate is listed on stderr as
FILE:line:column: not translated: KIND node ID "TITLE": why, and stays in the graph as a noop;
the definition is still written, and the exit is 1 unless --partial accepts it. The result is
validated as weft validate would. A file that is not JSON/YAML or not such a workflow exits 2
with its position, and nothing is written.

Options:
  -o, --output OUT   write the definition to OUT instead of stdout
  --partial          exit 0 even when some parts did not translate

Examples:
  weft import astron support.json -o support.yaml
  weft import dify translate.yml -o translate.yaml && weft run translate.yaml --input '{"text": "hi"}'
`,
  export: `weft export sw FILE [-o OUT] [--partial]

Writes a Weft graph as a CNCF Serverless Workflow 1.0 document (YAML): nodes run in order in
do, each task keeping its node's output in the context ($context.ID), branches as if: guards,
foreach as for, loop as a for with a while, http as call: http, subworkflow as run:
workflow, fail as raise, wait as wait, retry and on_error continue/return as try/catch;
expressions become jq. Nodes and expressions
that do not map (llm, agent, code, human, ..., JSONata without a jq form) are listed on stderr
with their line:column and left as a set of null; the exit is then 1 unless --partial.

Options:
  -o, --output OUT   write the document to OUT instead of stdout
  --partial          exit 0 even when some nodes did not map

Example:
  weft export sw examples/branching.yaml -o branching.sw.yaml
`,
  credentials: `weft credentials set NAME --type T [fields] | list | delete NAME [--db PATH | --server URL]

The secrets that nodes name with credential:, on the local database (the one weft run uses) or a
server. Values are write-only: encrypted at rest (WEFT_SECRET_KEY, or the key file beside the
database) and never printed; list shows names, types and times.

Types and their fields:
  openai   --base-url URL --api-key KEY   an OpenAI-compatible endpoint (llm nodes)
  bearer   --value TOKEN                  Authorization: Bearer TOKEN (http nodes)
  basic    --username U --password P      Authorization: Basic ... (http nodes)
  header   --name HEADER --value V        HEADER: V (http nodes)

Options of every command: --json, --db PATH, --server URL, --key KEY

Examples:
  weft credentials set ai --type openai --base-url https://api.openai.com/v1 --api-key sk-...
  weft credentials set github --type bearer --value ghp_...
  weft credentials list
  weft credentials delete github
`,
};
