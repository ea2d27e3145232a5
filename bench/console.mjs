#!/usr/bin/env node
// The web console's weight and first load (docs/console.md):
//
//   npm run bench:console            sizes of the build, then first loads in Debian's Chromium
//   npm run bench:console -- --json  the same as one JSON line on stdout
//
// Sizes: every file of packages/console/dist/assets, raw and gzipped (level 9, as a server or CDN
// would send it), and the sum of what the first page needs (the entry, its static imports and
// CSS, named by index.html, and the workflows page's chunks, as the browser fetched them). First
// load: `weft serve` on a temp SQLite file with a key, Chromium with the key in session storage;
// the time from navigation to the workflows list on screen, cold (new browser context, empty
// cache) and warm (same context, hashed assets from cache), median of 5 each. Needs the build
// (`npm run build`) and /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'packages/console/dist');
const asJson = process.argv.includes('--json');
const log = (line) => (asJson ? process.stderr : process.stdout).write(`${line}\n`);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

const files = readdirSync(join(dist, 'assets')).map((name) => {
  const body = readFileSync(join(dist, 'assets', name));
  return { name, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
});
const js = files.filter((f) => f.name.endsWith('.js'));
const sum = (list, k) => list.reduce((a, f) => a + f[k], 0);

const KEY = 'bench-console-key-0123456789';
const db = join(mkdtempSync(join(tmpdir(), 'weft-console-bench-')), 'weft.db');
const server = spawn(
  process.execPath,
  [join(root, 'packages/weft/bin/weft.js'), 'serve', '--port', '0', '--db', db],
  {
    env: { ...process.env, WEFT_API_KEYS: `bench:${KEY}`, WEFT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.once('exit', (c) => reject(new Error(`weft serve exited ${c}`)));
});
await fetch(`${url}/v1/workflows`, {
  method: 'POST',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/yaml' },
  body: 'id: hello\nnodes:\n  - { id: a, type: noop }\n',
});

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function load(ctx) {
  const page = await ctx.newPage();
  const fetched = [];
  page.on('response', async (r) => {
    if (new URL(r.url()).pathname.startsWith('/assets/'))
      fetched.push(new URL(r.url()).pathname.slice(8));
  });
  await page.goto(url);
  await page.getByRole('link', { name: 'hello' }).waitFor({ timeout: 30_000 });
  const ms = await page.evaluate(() => performance.now());
  await page.close();
  return { ms, fetched };
}
const cold = [];
const warm = [];
let firstFetched = [];
for (let i = 0; i < 5; i++) {
  const ctx = await browser.newContext();
  await ctx.addInitScript((k) => sessionStorage.setItem('weft.apiKey', k), KEY);
  const c = await load(ctx);
  cold.push(c.ms);
  firstFetched = c.fetched;
  warm.push((await load(ctx)).ms);
  await ctx.close();
}
await browser.close();
server.kill('SIGTERM');

const first = files.filter((f) => firstFetched.includes(f.name));
const result = {
  js_files: js.length,
  js_bytes: sum(js, 'bytes'),
  js_gzip_bytes: sum(js, 'gzip'),
  first_page_files: first.map((f) => f.name),
  first_page_bytes: sum(first, 'bytes'),
  first_page_gzip_bytes: sum(first, 'gzip'),
  first_load_cold_ms: Math.round(median(cold)),
  first_load_warm_ms: Math.round(median(warm)),
};
for (const f of [...files].sort((a, b) => b.gzip - a.gzip))
  log(`${f.name.padEnd(36)} ${kb(f.bytes).padStart(11)}  gzip ${kb(f.gzip).padStart(10)}`);
log(
  `all JS: ${js.length} files, ${kb(result.js_bytes)}, gzip ${kb(result.js_gzip_bytes)} (the graph layout, elkjs, loads only with the first graph)`,
);
log(
  `first page (workflows list): ${first.length} files, ${kb(result.first_page_bytes)}, gzip ${kb(result.first_page_gzip_bytes)}`,
);
log(
  `first load on localhost, navigation to the list on screen: cold ${result.first_load_cold_ms} ms, warm ${result.first_load_warm_ms} ms (median of 5)`,
);
if (asJson) process.stdout.write(`${JSON.stringify(result)}\n`);
