/**
 * @module cli/args
 * The command line's shape: which options each command takes, and parsing with messages of our
 * own — an option a command does not take is named together with that command and its options,
 * instead of Node's parseArgs text.
 */
import { parseArgs } from 'node:util';
import { CliError, EXIT } from './exit-codes.js';

const OPTIONS = {
  input: { type: 'string' },
  scope: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  workflow: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  node: { type: 'string' },
  value: { type: 'string' },
  data: { type: 'string' },
  from: { type: 'string' },
  after: { type: 'string' },
  follow: { type: 'boolean' },
  server: { type: 'string' },
  key: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  postgres: { type: 'string' },
  tenant: { type: 'string' },
  sync: { type: 'string' },
  'older-than': { type: 'string' },
  'retention-days': { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  // weft credentials set: the type and its fields (`--value` is shared with runs input).
  type: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  name: { type: 'string' },
  // weft import / export: where to write, and whether a partial translation is accepted.
  output: { type: 'string', short: 'o' },
  partial: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `weft workflows show ID --version N` takes a value where every other command has the flag that
 * prints weft's own version.
 */
const WITH_VERSION_VALUE = { ...OPTIONS, version: { type: 'string' } } as const;

type Name = keyof typeof OPTIONS;

export const DEFAULT_DB = './.weft/weft.db';

const REMOTE: readonly Name[] = ['json', 'db', 'server', 'key'];
/** The commands that also work on a PostgreSQL database the workers share. */
const SHARED: readonly Name[] = [...REMOTE, 'postgres'];

/** The options of each command (`runs` per subcommand); --help goes with every one. */
const COMMAND_OPTIONS: Record<string, readonly Name[]> = {
  run: ['input', 'db', 'json', 'server', 'key', 'postgres', 'sync'],
  'test-node': ['scope', ...SHARED],
  // --db is taken (and not needed) here too, so that one --db can go with every command.
  validate: ['db'],
  graph: ['format', 'db'],
  serve: ['port', 'host', 'db', 'postgres', 'sync', 'retention-days'],
  worker: ['postgres', 'concurrency', 'db'],
  migrate: ['db', 'postgres'],
  keys: ['tenant', 'db', 'postgres', 'json'],
  'tenants move': ['db', 'postgres', 'json'],
  doctor: ['db', 'postgres', 'json'],
  mcp: ['db', 'server', 'key', 'timeout'],
  import: ['output', 'partial'],
  export: ['output', 'partial'],
  'runs list': ['workflow', 'status', 'limit', ...SHARED],
  'runs show': SHARED,
  'runs events': ['after', 'follow', ...SHARED],
  'runs pause': SHARED,
  'runs cancel': SHARED,
  'runs resume': SHARED,
  'runs retry': ['from', ...SHARED],
  'runs input': ['node', 'value', ...SHARED],
  'runs send': ['data', ...SHARED],
  'runs delete': SHARED,
  'runs prune': ['older-than', 'status', 'workflow', ...SHARED],
  publish: SHARED,
  'workflows list': SHARED,
  'workflows show': ['version', ...SHARED],
  'workflows delete': SHARED,
  'credentials set': [
    'type',
    'base-url',
    'api-key',
    'value',
    'username',
    'password',
    'name',
    ...REMOTE,
  ],
  'credentials list': REMOTE,
  'credentials delete': REMOTE,
};

/** The subcommands of a command that has them (`runs`, `workflows`). */
const subcommands = (command: string) =>
  Object.keys(COMMAND_OPTIONS)
    .filter((c) => c.startsWith(`${command} `))
    .map((c) => c.slice(command.length + 1));

export const RUNS_COMMANDS = subcommands('runs');
export const WORKFLOWS_COMMANDS = subcommands('workflows');
export const CREDENTIALS_COMMANDS = subcommands('credentials');

export interface CommandLine {
  /** undefined for plain `weft`. */
  command: string | undefined;
  /** The positionals after the command. */
  rest: string[];
  values: Partial<Record<Name, string | boolean>> & { db: string };
  /** Whether --db was given (else `values.db` is the default file). */
  dbGiven: boolean;
  help: boolean;
  version: boolean;
}

const string = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

/** Parses argv; options are checked against the command (see {@link checkOptions}). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const parse = (options: typeof OPTIONS | typeof WITH_VERSION_VALUE) =>
    parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: false,
      tokens: true,
    });
  let options: typeof OPTIONS | typeof WITH_VERSION_VALUE = OPTIONS;
  let parsed = parse(options);
  if (parsed.positionals[0] === 'workflows' && parsed.positionals[1] === 'show') {
    options = WITH_VERSION_VALUE;
    parsed = parse(options);
  }
  const { values, positionals, tokens } = parsed;
  const [command, ...rest] = positionals;
  const line: CommandLine = {
    command,
    rest,
    values: { ...values, db: string(values.db) ?? DEFAULT_DB },
    dbGiven: string(values.db) !== undefined,
    help: values.help === true,
    version: values.version === true,
  };
  // Help and the version are answered whatever else was given.
  if (line.help || line.version || command === undefined || command === 'help') return line;
  const name = commandName(command, rest[0]);
  const taken = COMMAND_OPTIONS[name];
  // An unknown command is the first thing to say; the caller says it.
  if (taken === undefined) return line;
  const allowed = new Set<string>([...taken, 'help']);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (!allowed.has(t.name) || !(t.name in OPTIONS)) {
      const list = [...allowed].map((o) => `--${o}`).join(', ');
      throw new CliError(
        `unknown option ${t.rawName} for weft ${name}; its options: ${list} (see weft help ${command})`,
        EXIT.invalid,
      );
    }
    const type = options[t.name as Name].type;
    if (type === 'boolean' && t.inlineValue === true) {
      throw new CliError(`${t.rawName} takes no value (weft ${name})`, EXIT.invalid);
    }
    // `--db --json`: parseArgs would take the next option as the value.
    const swallowed = t.value !== undefined && t.inlineValue !== true && isOption(t.value);
    if (type === 'string' && (t.value === undefined || swallowed)) {
      throw new CliError(`${t.rawName} needs a value (weft ${name})`, EXIT.invalid);
    }
  }
  return line;
}

/** `runs list` for the subcommands of runs and workflows, else the command itself. */
function commandName(command: string, sub: string | undefined): string {
  if (sub !== undefined && COMMAND_OPTIONS[`${command} ${sub}`] !== undefined) {
    return `${command} ${sub}`;
  }
  return command;
}

function isOption(text: string): boolean {
  const m = /^--?([A-Za-z-]+)(=|$)/.exec(text);
  if (m === null) return false;
  const name = m[1] ?? '';
  return name in OPTIONS || Object.values(OPTIONS).some((o) => 'short' in o && o.short === name);
}
