// Hostile Python against the real runtime, one interpreter for the file. Each case must end within
// its limit plus a bounded margin and leave the host canary (an environment variable and a file of
// this process) untouched. Cases that exhaust time or memory restart the interpreter (seconds).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SandboxRuntime } from '../runtime.js';
import { createPythonRuntime } from './index.js';
import { runPython } from './test-support.js';

const SECRET = 'canary-7f3a91';
const TIMEOUT_MS = 1000;
const MARGIN_MS = 3000;
let runtime: SandboxRuntime;
let dir: string;
let canaryFile: string;
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  process.env['WEFT_PY_CANARY'] = SECRET;
  dir = mkdtempSync(join(tmpdir(), 'weft-py-escape-'));
  canaryFile = join(dir, 'canary.txt');
  writeFileSync(canaryFile, SECRET);
  server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  runtime = await createPythonRuntime();
}, 120_000);

afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const cases: [name: string, source: () => string, expected: 'refused' | 'timeout' | 'memory'][] = [
  [
    '__import__("os").system runs no shell',
    () => `__import__('os').system('echo x > ${canaryFile}')\nreturn 1`,
    'refused',
  ],
  ['open() of a host file', () => `return open('${canaryFile}').read()`, 'refused'],
  ['io.open of a host file', () => `import io\nreturn io.open('${canaryFile}').read()`, 'refused'],
  [
    'writing a file in the interpreter',
    () => `import io\nio.open('/tmp/x', 'w').write('x')\nreturn 1`,
    'refused',
  ],
  ['listing the file system', () => `import os\nreturn os.listdir('/')`, 'refused'],
  ['ctypes', () => `import ctypes\nreturn str(ctypes.CDLL(None))`, 'refused'],
  [
    'ctypes through the real __import__',
    () => `import json\nreturn str(json.__builtins__['__import__']('ctypes'))`,
    'refused',
  ],
  [
    'subprocess',
    () => `import subprocess\nreturn subprocess.run(['cat', '${canaryFile}']).stdout`,
    'refused',
  ],
  [
    'subprocess through sys.modules',
    () => `import sys\nreturn str(sys.modules['subprocess'].Popen(['ls']))`,
    'refused',
  ],
  [
    'import js (the host globalThis)',
    () => `import js\nreturn str(js.process.env.WEFT_PY_CANARY)`,
    'refused',
  ],
  ['pyodide.ffi', () => `from pyodide.ffi import to_js\nreturn str(to_js)`, 'refused'],
  ['pyodide_js (the Pyodide API)', () => `import pyodide_js\nreturn str(pyodide_js.FS)`, 'refused'],
  [
    'the bridge modules are gone from sys.modules',
    () =>
      `import sys\nbad = [k for k in sys.modules if k == 'js' or k.startswith(('js.', 'pyodide', '_pyodide'))]\nif bad: return bad\nraise PermissionError('none')`,
    'refused',
  ],
  [
    'recreating _pyodide_core through _imp',
    () =>
      `import sys\nimp = sys.modules['_imp']\nspec = type('S', (), {'name': '_pyodide_core', 'origin': 'built-in'})()\ncore = imp.create_builtin(spec)\np = core.to_js({})\nreturn str(p.constructor.constructor('return process.env.WEFT_PY_CANARY')())`,
    'refused',
  ],
  [
    'JavaScript objects behind object.__subclasses__',
    () =>
      `found = []\nfor c in object.__subclasses__():\n    for v in vars(c).values():\n        g = getattr(v, '__globals__', None) or {}\n        found += [k for k, x in g.items() if type(x).__name__.startswith('Js')]\nif found: return found\nraise PermissionError('none')`,
    'refused',
  ],
  ['gc.get_objects', () => `import sys\nreturn len(sys.modules['gc'].get_objects())`, 'refused'],
  ['sys._getframe', () => `import sys\nreturn str(sys._getframe().f_back.f_globals)`, 'refused'],
  [
    'frames through a traceback',
    () =>
      `try:\n    1 / 0\nexcept Exception as e:\n    return str(e.__traceback__.tb_frame.f_back.f_globals)`,
    'refused',
  ],
  ['sys.settrace', () => `import sys\nsys.settrace(lambda *a: None)\nreturn 1`, 'refused'],
  // CPython drops a hook that an existing hook refuses, silently: the case checks it never runs.
  [
    'sys.addaudithook',
    () =>
      `import sys\nseen = []\nsys.addaudithook(lambda e, a: seen.append(e))\nimport base64\nif seen: return seen\nraise PermissionError('none')`,
    'refused',
  ],
  [
    'replacing a function __code__',
    () => `import json\njson.dumps.__code__ = (lambda *a, **k: 'x').__code__\nreturn 1`,
    'refused',
  ],
  [
    'a socket to a host server',
    () =>
      `import sys\ns = sys.modules['socket'].create_connection(('127.0.0.1', ${port}))\nreturn 1`,
    'refused',
  ],
  [
    'the environment holds no host variable',
    () =>
      `import os\nif any('${SECRET}' in v for v in os.environ.values()): return dict(os.environ)\nraise PermissionError('none')`,
    'refused',
  ],
  ['an infinite loop', () => `while True:\n    pass`, 'timeout'],
  [
    'a loop that swallows the interrupt',
    () =>
      `while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass`,
    'timeout',
  ],
  ['a huge string', () => `return len('a' * 10**9)`, 'memory'],
  ['a growing list', () => `x = []\nwhile True:\n    x.append(' ' * 10**6)`, 'memory'],
];

test.each(cases)('%s', async (_name, source, expected) => {
  // A case that exhausts a limit restarts the interpreter; the restart is not the next case's time.
  if (expected !== 'refused') await runPython(runtime, 'return 0');
  const result = await runPython(runtime, source(), {}, { timeoutMs: TIMEOUT_MS });
  expect(JSON.stringify(result)).not.toContain(SECRET);
  if (expected === 'refused') {
    expect(result.ok ? result.outputJson : result.code).toBe('code_error');
  } else {
    expect(result).toMatchObject({ ok: false, code: `code_${expected}` });
  }
  expect(result.elapsedMs).toBeLessThan(
    TIMEOUT_MS + MARGIN_MS + (expected === 'refused' ? 20_000 : 0),
  );
  expect(process.env['WEFT_PY_CANARY']).toBe(SECRET);
  expect(readFileSync(canaryFile, 'utf8')).toBe(SECRET);
  expect(connections).toBe(0);
});

test('after the escapes an ordinary job still runs', async () => {
  expect(await runPython(runtime, 'return sum(input)', [1, 2, 3])).toMatchObject({
    ok: true,
    outputJson: '6',
  });
});
