/**
 * @module routes/console
 * The web console's static files, at `/` and `/assets/*`, from the directory `weft serve` gives
 * (`consoleDir`: the console's build output). The console holds no state on the server: it is a
 * page that calls the API with the user's key. Without a built console, `/` says how to build it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiApp } from '../types.js';

/** Where the console's hashed files are served: public, like `/`. */
export const CONSOLE_ASSETS_PREFIX = '/assets/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  json: 'application/json',
  wasm: 'application/wasm',
  map: 'application/json',
};

/** A file name of the build (`index-3f2a9c.js`): no path separators, no dot files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const NOT_BUILT = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Weft</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:0 .2em}</style>
<h1>Weft</h1>
<p>This server runs Weft workflows, but the web console was not built, so it cannot be shown here.</p>
<p>Build it in the Weft repository with <code>npm install</code> (or <code>npm run build</code>), then
restart <code>weft serve</code>; or point <code>WEFT_CONSOLE_DIR</code> at a built console.</p>
<p>The HTTP API is under <code>/v1</code>, described by <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
</html>
`;

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

export function consoleRoutes(app: ApiApp, dir: string | undefined): void {
  app.get('/', async (c) => {
    const index = dir === undefined ? undefined : await readOrUndefined(join(dir, 'index.html'));
    // The page names the hashed assets of this build: it is checked again at each load.
    c.header('Cache-Control', 'no-cache');
    return c.html(index === undefined ? NOT_BUILT : index.toString('utf8'));
  });

  app.get(`${CONSOLE_ASSETS_PREFIX}:name`, async (c) => {
    const name = c.req.param('name');
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    const type = CONTENT_TYPES[ext];
    const body =
      dir === undefined || !ASSET_NAME.test(name) || type === undefined
        ? undefined
        : await readOrUndefined(join(dir, 'assets', name));
    if (body === undefined) return c.notFound();
    // Asset names carry a hash of their content: a new build has new names.
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    c.header('Content-Type', type);
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(body));
  });
}
