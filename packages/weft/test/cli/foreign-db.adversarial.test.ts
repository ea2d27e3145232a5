/**
 * Issue #17 §4: `--db` naming another application's SQLite file. Every command that opens the
 * database must refuse it with one line and leave the file exactly as it was.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, requireBuild, sandbox, weft, type Sandbox } from './harness.js';

let box: Sandbox;
let app: string;
let bytes: Buffer;
beforeAll(() => {
  requireBuild();
  box = sandbox();
  app = join(box.dir, 'app.db');
  const db = new Database(app);
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)');
  for (let i = 0; i < 20; i++) db.prepare('INSERT INTO orders (total) VALUES (?)').run(i * 1.5);
  db.close();
  bytes = readFileSync(app);
});
afterAll(() => box?.remove());

describe.each([
  ['runs list', ['runs', 'list']],
  ['run', ['run', example('hello.yaml')]],
  ['serve', ['serve', '--port', '0']],
  ['keys create', ['keys', 'create', '--tenant', 'acme']],
  ['publish', ['publish', example('hello.yaml')]],
])('weft %s on another application’s database', (_name, args) => {
  it('is refused with one line, and the file is unchanged', async () => {
    const r = await weft([...args, '--db', 'app.db'], { cwd: box.dir, timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    const text = r.stderr.trim();
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toMatch(/^store_not_weft: app\.db is not a Weft database .*orders/);
    expect(r.stdout).not.toMatch(/listening/);
    expect(readFileSync(app).equals(bytes)).toBe(true);
    expect(readdirSync(box.dir).filter((f) => f.startsWith('app.db'))).toEqual(['app.db']);
  });
});
