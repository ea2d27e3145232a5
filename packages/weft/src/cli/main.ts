/**
 * @module cli/main
 * The `weft` command. Each subcommand is a thin layer over the library.
 */
import { readFileSync } from 'node:fs';
import { parseCommandLine, RUNS_COMMANDS } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { COMMAND_HELP, HELP } from './help.js';
import { checkRunsValues } from './runs-args.js';

// Commands are loaded when used, so that `weft --version` and `weft help` start at once.
const commands = {
  run: () => import('./run-command.js'),
  validate: () => import('./validate-command.js'),
  graph: () => import('./graph-command.js'),
  runs: () => import('./runs-command.js'),
  remote: () => import('./remote.js'),
  serve: () => import('./serve-command.js'),
  keys: () => import('./keys-command.js'),
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
    workflow: str('workflow'),
    status: str('status'),
    limit: str('limit'),
    node: str('node'),
    value: str('value'),
    from: str('from'),
    after: str('after'),
    server: str('server'),
    key: str('key'),
    postgres: str('postgres'),
    tenant: str('tenant'),
  };
  switch (command) {
    case 'run': {
      const file = rest[0];
      if (file === undefined)
        throw new CliError('weft run needs a file: weft run FILE', EXIT.invalid);
      const args = {
        file,
        db: values.db,
        json: values.json,
        ...(values.input === undefined ? {} : { input: values.input }),
      };
      return (await commands.run()).runCommand(args);
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
      const args = { sub, positionals: ids, db: values.db, json: values.json };
      const optional = {
        workflow: values.workflow,
        status: values.status,
        limit: values.limit,
        node: values.node,
        value: values.value,
        from: values.from,
        after: values.after,
      };
      for (const [k, v] of Object.entries(optional))
        if (v !== undefined) Object.assign(args, { [k]: v });
      if (values.follow) Object.assign(args, { follow: true });
      if (values.server !== undefined) {
        // The key from --key, else WEFT_API_KEY (kept out of the process list).
        const key = values.key ?? process.env['WEFT_API_KEY'];
        const { db: _db, ...remote } = args;
        return (await commands.remote()).remoteRunsCommand({
          ...remote,
          server: values.server,
          ...(key === undefined ? {} : { key }),
        });
      }
      return (await commands.runs()).runsCommand(args);
    }
    case 'serve':
      return (await commands.serve()).serveCommand({
        port: values.port,
        host: values.host,
        db: values.db,
        ...(values.postgres === undefined ? {} : { postgres: values.postgres }),
      });
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
      return (await commands.keys()).keysCommand({
        action: sub,
        tenant: values.tenant,
        db: values.db,
        json: values.json,
        ...(id === undefined ? {} : { id }),
      });
    }
    default:
      throw new CliError(`unknown command "${command}"; see weft help`, EXIT.invalid);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (isWeftError(e)) {
      // The core is loaded by now: whatever threw a WeftError used it.
      const { errorSpec } = await import('@weft/core');
      process.stderr.write(`${e.code}: ${e.message}\n`);
      process.exitCode = errorSpec(e.code).exit;
    } else {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);
