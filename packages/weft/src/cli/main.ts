/**
 * @module cli/main
 * The `weft` command. Each subcommand is a thin layer over the library.
 */
import { readFileSync } from 'node:fs';
import {
  CREDENTIALS_COMMANDS,
  parseCommandLine,
  RUNS_COMMANDS,
  WORKFLOWS_COMMANDS,
} from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { exitCodeOf, failureText } from './failure.js';
import { COMMAND_HELP, HELP } from './help.js';
import { checkRunsValues } from './runs-args.js';
import { postgresFrom, postgresTarget } from './store-options.js';
import { guardUnfinished } from './unfinished.js';
import { concurrencyFrom } from './worker-options.js';

// Commands are loaded when used, so that `weft --version` and `weft help` start at once.
const commands = {
  run: () => import('./run-command.js'),
  'test-node': () => import('./test-node-command.js'),
  validate: () => import('./validate-command.js'),
  graph: () => import('./graph-command.js'),
  runs: () => import('./runs-command.js'),
  publish: () => import('./publish-command.js'),
  workflows: () => import('./workflows-command.js'),
  credentials: () => import('./credentials-command.js'),
  serve: () => import('./serve-command.js'),
  worker: () => import('./worker-command.js'),
  keys: () => import('./keys-command.js'),
  tenants: () => import('./tenants-command.js'),
  doctor: () => import('./doctor-command.js'),
  migrate: () => import('./migrate-command.js'),
  mcp: () => import('./mcp-command.js'),
  translate: () => import('./translate-command.js'),
};

/** WeftError, recognised without loading the core (see WeftError.is). */
const isWeftError = (e: unknown): e is Error & { code: string } =>
  e instanceof Error && Symbol.for('weft.error') in e;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** `weft help [CMD]`: the command's own help, or the overview. */
function help(command: string | undefined): number {
  if (command === undefined) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const text = COMMAND_HELP[command];
  if (text === undefined) {
    throw new CliError(
      `no command "${command}"; the commands: ${Object.keys(COMMAND_HELP).join(', ')}`,
      EXIT.invalid,
    );
  }
  process.stdout.write(text);
  return EXIT.ok;
}

async function main(argv: string[]): Promise<number> {
  const {
    command,
    rest,
    values: all,
    dbGiven,
    help: wantsHelp,
    version: wantsVersion,
  } = parseCommandLine(argv);
  if (wantsVersion) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (command === 'help') return help(rest[0]);
  if (wantsHelp) return help(command);
  if (command === undefined) return help(undefined);
  const str = (name: keyof typeof all) => (typeof all[name] === 'string' ? all[name] : undefined);
  const values = {
    db: all.db,
    json: all.json === true,
    follow: all.follow === true,
    format: str('format') ?? 'mermaid',
    port: str('port') ?? '8080',
    host: str('host') ?? '127.0.0.1',
    input: str('input'),
    scope: str('scope'),
    workflow: str('workflow'),
    status: str('status'),
    limit: str('limit'),
    node: str('node'),
    value: str('value'),
    data: str('data'),
    from: str('from'),
    after: str('after'),
    server: str('server'),
    key: str('key'),
    postgres: str('postgres'),
    tenant: str('tenant'),
    version: str('version'),
    sync: str('sync'),
    olderThan: str('older-than'),
    retentionDays: str('retention-days'),
    concurrency: str('concurrency'),
    timeout: str('timeout'),
    type: str('type'),
  };
  // Where the command goes (./target.ts): a server's key from --key, else WEFT_API_KEY there.
  const target = {
    db: values.db,
    ...(values.server === undefined ? {} : { server: values.server }),
    ...(values.key === undefined ? {} : { key: values.key }),
  };
  /**
   * The target of the commands that also work on a shared PostgreSQL database: `--postgres`, else
   * `WEFT_POSTGRES_URL` unless `--db` or `--server` says where to go.
   */
  const sharedTarget = () => {
    if (values.server !== undefined) {
      if (values.postgres !== undefined) {
        throw new CliError('give --server URL or --postgres URL, not both', EXIT.invalid);
      }
      return target;
    }
    const url = postgresFrom(values.postgres, dbGiven, process.env);
    if (url === undefined) return target;
    return { ...target, postgres: postgresTarget(url, values.postgres !== undefined) };
  };
  switch (command) {
    case 'run': {
      const file = rest[0];
      if (file === undefined)
        throw new CliError('weft run needs a file: weft run FILE', EXIT.invalid);
      const args = {
        ...sharedTarget(),
        file,
        json: values.json,
        ...(values.input === undefined ? {} : { input: values.input }),
        ...(values.sync === undefined ? {} : { sync: values.sync }),
      };
      return (await commands.run()).runCommand(args);
    }
    case 'test-node': {
      const [file, node, extra] = rest;
      if (file === undefined || node === undefined)
        throw new CliError(
          'weft test-node needs a file and a node: weft test-node FILE NODE',
          EXIT.invalid,
        );
      if (extra !== undefined)
        throw new CliError(`weft test-node: unexpected argument "${extra}"`, EXIT.invalid);
      return (await commands['test-node']()).testNodeCommand({
        ...sharedTarget(),
        file,
        node,
        json: values.json,
        scope: values.scope,
      });
    }
    case 'publish': {
      const [file, extra] = rest;
      if (file === undefined)
        throw new CliError('weft publish needs a file: weft publish FILE', EXIT.invalid);
      if (extra !== undefined)
        throw new CliError(`weft publish: unexpected argument "${extra}"`, EXIT.invalid);
      return (await commands.publish()).publishCommand({
        ...sharedTarget(),
        file,
        json: values.json,
      });
    }
    case 'workflows': {
      const [sub, ...positionals] = rest;
      if (sub === undefined || !WORKFLOWS_COMMANDS.includes(sub)) {
        throw new CliError(
          sub === undefined
            ? 'weft workflows needs a command: list, show or delete'
            : `unknown command "workflows ${sub}"; see weft help workflows`,
          EXIT.invalid,
        );
      }
      return (await commands.workflows()).workflowsCommand({
        ...sharedTarget(),
        sub,
        positionals,
        json: values.json,
        ...(values.version === undefined ? {} : { version: values.version }),
      });
    }
    case 'credentials': {
      const [sub, ...positionals] = rest;
      if (sub === undefined || !CREDENTIALS_COMMANDS.includes(sub)) {
        throw new CliError(
          sub === undefined
            ? 'weft credentials needs a command: set, list or delete'
            : `unknown command "credentials ${sub}"; see weft help credentials`,
          EXIT.invalid,
        );
      }
      return (await commands.credentials()).credentialsCommand({
        ...target,
        sub,
        positionals,
        json: values.json,
        type: values.type,
        fields: {
          'base-url': str('base-url'),
          'api-key': str('api-key'),
          value: values.value,
          username: str('username'),
          password: str('password'),
          name: str('name'),
        },
      });
    }
    case 'validate':
      if (rest.length === 0)
        throw new CliError('weft validate needs at least one file', EXIT.invalid);
      return (await commands.validate()).validateCommand(rest);
    case 'graph': {
      const file = rest[0];
      if (file === undefined) throw new CliError('weft graph needs a file', EXIT.invalid);
      return (await commands.graph()).graphCommand(file, values.format);
    }
    case 'runs': {
      const [sub, ...ids] = rest;
      if (sub === undefined)
        throw new CliError('weft runs needs a command: list, show, events, ...', EXIT.invalid);
      if (!RUNS_COMMANDS.includes(sub))
        throw new CliError(`unknown command "runs ${sub}"; see weft help runs`, EXIT.invalid);
      checkRunsValues(values);
      const args = { ...sharedTarget(), sub, positionals: ids, json: values.json };
      const optional = {
        workflow: values.workflow,
        status: values.status,
        limit: values.limit,
        node: values.node,
        value: values.value,
        data: values.data,
        from: values.from,
        after: values.after,
        olderThan: values.olderThan,
      };
      for (const [k, v] of Object.entries(optional))
        if (v !== undefined) Object.assign(args, { [k]: v });
      if (values.follow) Object.assign(args, { follow: true });
      return (await commands.runs()).runsCommand(args);
    }
    case 'serve': {
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      return (await commands.serve()).serveCommand({
        port: values.port,
        host: values.host,
        db: values.db,
        ...(postgres === undefined ? {} : { postgres }),
        ...(values.sync === undefined ? {} : { sync: values.sync }),
        ...(values.retentionDays === undefined ? {} : { retentionDays: values.retentionDays }),
      });
    }
    case 'worker': {
      if (rest.length > 0)
        throw new CliError(`weft worker: unexpected argument "${rest[0]}"`, EXIT.invalid);
      const concurrency = concurrencyFrom(values.concurrency);
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      if (postgres === undefined && !dbGiven) {
        throw new CliError(
          'weft worker needs the database the workers share: --db PATH (a SQLite file on this machine), or --postgres URL or WEFT_POSTGRES_URL',
          EXIT.invalid,
        );
      }
      if (postgres === undefined && values.db === ':memory:') {
        throw new CliError(
          'weft worker --db needs a file: a :memory: database is one process’s',
          EXIT.invalid,
        );
      }
      return (await commands.worker()).workerCommand({
        ...(postgres === undefined ? { db: values.db } : { postgres }),
        concurrency,
      });
    }
    case 'migrate': {
      if (rest.length > 0)
        throw new CliError(`weft migrate: unexpected argument "${rest[0]}"`, EXIT.invalid);
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      return (await commands.migrate()).migrateCommand(
        postgres === undefined ? { db: values.db } : { postgres },
      );
    }
    case 'keys': {
      const [sub = 'create', id, ...extra] = rest;
      if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
        throw new CliError(`unknown keys command "${sub}": create, list or revoke`, EXIT.invalid);
      }
      if (extra.length > 0 || (sub !== 'revoke' && id !== undefined)) {
        throw new CliError(
          `weft keys ${sub}: unexpected argument "${extra[0] ?? id}"; see weft help`,
          EXIT.invalid,
        );
      }
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      return (await commands.keys()).keysCommand({
        action: sub,
        tenant: values.tenant,
        db: values.db,
        ...(postgres === undefined ? {} : { postgres }),
        json: values.json,
        ...(id === undefined ? {} : { id }),
      });
    }
    case 'tenants': {
      const [sub, from, to, ...extra] = rest;
      if (sub !== 'move') {
        throw new CliError(
          sub === undefined
            ? 'weft tenants needs a command: weft tenants move FROM TO'
            : `unknown command "tenants ${sub}"; see weft help tenants`,
          EXIT.invalid,
        );
      }
      if (from === undefined || to === undefined || extra.length > 0) {
        throw new CliError(
          extra.length > 0
            ? `weft tenants move: unexpected argument "${extra[0]}"`
            : 'weft tenants move needs two tenants: weft tenants move FROM TO (e.g. default acme)',
          EXIT.invalid,
        );
      }
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      return (await commands.tenants()).tenantsCommand({
        from,
        to,
        db: values.db,
        ...(postgres === undefined ? {} : { postgres }),
        json: values.json,
      });
    }
    case 'mcp':
      if (rest.length > 0)
        throw new CliError(`weft mcp: unexpected argument "${rest[0]}"`, EXIT.invalid);
      return (await commands.mcp()).mcpCommand({
        ...target,
        version: version(),
        ...(values.timeout === undefined ? {} : { timeoutMs: values.timeout }),
      });
    case 'import':
    case 'export': {
      const [format, file, extra] = rest;
      const usage =
        command === 'import'
          ? 'weft import astron|dify FILE [-o OUT]'
          : 'weft export sw FILE [-o OUT]';
      if (format === undefined || file === undefined)
        throw new CliError(`weft ${command} needs a format and a file: ${usage}`, EXIT.invalid);
      if (extra !== undefined)
        throw new CliError(`weft ${command}: unexpected argument "${extra}"`, EXIT.invalid);
      const output = str('output');
      return (await commands.translate()).translateCommand({
        direction: command,
        format,
        file,
        ...(output === undefined ? {} : { output }),
        partial: all.partial === true,
      });
    }
    case 'doctor': {
      if (rest.length > 0)
        throw new CliError(`weft doctor: unexpected argument "${rest[0]}"`, EXIT.invalid);
      const postgres = postgresFrom(values.postgres, dbGiven, process.env);
      return (await commands.doctor()).doctorCommand({
        db: values.db,
        ...(postgres === undefined ? {} : { postgres }),
        json: values.json,
      });
    }
    default:
      throw new CliError(`unknown command "${command}"; see weft help`, EXIT.invalid);
  }
}

let settled = false;
guardUnfinished(() => settled);
main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  async (e: unknown) => {
    settled = true;
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (isWeftError(e)) {
      process.stderr.write(`${failureText(e)}\n`);
      process.exitCode = exitCodeOf(e.code);
    } else {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
