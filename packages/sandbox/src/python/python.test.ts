// Real Pyodide, one interpreter for the file: start-up takes seconds, each job tens of milliseconds.
import { beforeAll, describe, expect, test } from 'vitest';
import type { SandboxRuntime } from '../runtime.js';
import { createPythonRuntime } from './index.js';
import { runPython } from './test-support.js';

let runtime: SandboxRuntime;
beforeAll(async () => {
  runtime = await createPythonRuntime();
}, 120_000);

describe('the Python runtime', () => {
  test('returns what the function body returns, given the input', async () => {
    const result = await runPython(runtime, 'return {"sum": input["a"] + input["b"]}', {
      a: 2,
      b: 3,
    });
    expect(result).toMatchObject({ ok: true, outputJson: '{"sum": 5}' });
  });

  test('has the standard library: json, re, datetime, collections', async () => {
    const source = [
      'import json, re, datetime, collections',
      'words = re.findall(r"[a-z]+", input["text"])',
      'day = datetime.date(2024, 2, 28) + datetime.timedelta(days=1)',
      'return {"count": collections.Counter(words)["a"], "day": day.isoformat(),',
      '        "json": json.loads(json.dumps([1, 2]))}',
    ].join('\n');
    const result = await runPython(runtime, source, { text: 'a b a c' });
    expect(result).toMatchObject({ ok: true });
    expect(JSON.parse((result as { outputJson: string }).outputJson)).toEqual({
      count: 2,
      day: '2024-02-29',
      json: [1, 2],
    });
  });

  test('keeps multi-line strings as written', async () => {
    const result = await runPython(runtime, 'x = """a\n  b"""\nreturn x');
    expect(result).toMatchObject({ ok: true, outputJson: JSON.stringify('a\n  b') });
  });

  test('sends print() to the log', async () => {
    const result = await runPython(runtime, 'print("hello", 1)\nprint("two")\nreturn None');
    expect(result).toMatchObject({ ok: true, outputJson: 'null' });
    expect(result.log).toEqual(['hello 1', 'two']);
  });

  test('bounds the log', async () => {
    const result = await runPython(runtime, 'for i in range(5000):\n    print(i)\nreturn 1');
    expect(result.ok).toBe(true);
    expect(result.log.length).toBeLessThanOrEqual(1001);
    expect(result.log.at(-1)).toMatch(/log truncated/);
  });

  test('a syntax error names the line and column of the user source', async () => {
    const result = await runPython(runtime, 'x = 1\ny = (2 +\nreturn x');
    expect(result).toMatchObject({ ok: false, code: 'code_syntax', line: 2 });
    expect(result.ok === false && result.column).toBeGreaterThan(0);
  });

  test('a raised exception answers code_error with its type, message and line', async () => {
    const result = await runPython(runtime, 'x = 1\nraise ValueError("bad value")');
    expect(result).toMatchObject({ ok: false, code: 'code_error', line: 2 });
    expect(result.ok === false && result.message).toBe('ValueError: bad value');
  });

  test('an exception inside a nested function names the line where it was raised', async () => {
    const result = await runPython(runtime, 'def f(d):\n    return d["missing"]\nreturn f({})');
    expect(result).toMatchObject({ ok: false, code: 'code_error', line: 2 });
    expect(result.ok === false && result.message).toMatch(/KeyError/);
  });

  test.each([
    ['a set', 'return {1, 2}'],
    ['an object', 'return object()'],
    ['NaN', 'return float("nan")'],
    ['infinity inside a list', 'return [float("inf")]'],
  ])('a return value that is not JSON (%s) answers code_invalid_output', async (_name, source) => {
    const result = await runPython(runtime, source);
    expect(result).toMatchObject({ ok: false, code: 'code_invalid_output' });
  });

  test('one job leaves no state for the next', async () => {
    const dirty = [
      'import json, sys, os, random, collections',
      'json.dumps = lambda *a, **k: "patched"',
      'json.JSONEncoder.extra = 1',
      'sys.modules["planted"] = 1',
      'sys.path.insert(0, "/nowhere")',
      'sys.setrecursionlimit(50)',
      'random.seed(1)',
      'os.environ._data[b"PLANTED"] = b"1"',
      'json.__builtins__["len"] = lambda x: 0',
      'global planted_global',
      'planted_global = 1',
      'return True',
    ].join('\n');
    const dirtied = await runPython(runtime, dirty);
    expect(dirtied.ok ? 'ok' : dirtied.message).toBe('ok');
    const check = [
      'import json, sys, os, collections',
      'return {"dumps": json.dumps([1]), "extra": hasattr(json.JSONEncoder, "extra"),',
      '        "planted": "planted" in sys.modules, "path": "/nowhere" in sys.path,',
      '        "limit": sys.getrecursionlimit() > 50, "env": "PLANTED" in os.environ,',
      '        "len": len([1, 2]), "global": "planted_global" in globals()}',
    ].join('\n');
    const result = await runPython(runtime, check);
    expect(result).toMatchObject({ ok: true });
    expect(JSON.parse((result as { outputJson: string }).outputJson)).toEqual({
      dumps: '[1]',
      extra: false,
      planted: false,
      path: false,
      limit: true,
      env: false,
      len: 2,
      global: false,
    });
  });

  test('a job that runs out of time answers code_timeout and the next job runs', async () => {
    const result = await runPython(runtime, 'while True:\n    pass', {}, { timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, code: 'code_timeout' });
    expect(await runPython(runtime, 'return 1')).toMatchObject({ ok: true, outputJson: '1' });
  });
});
