/**
 * The client contract over HTTP: a real server on 127.0.0.1 (as `weft serve` starts it) over a real
 * engine on a temp SQLite file, with one API key per tenant and the client over real fetch.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, parseApiKeys, staticKeys } from '@weft/engine';
import { startServer } from '@weft/server';
import { clientContract } from '../../../test/support/client-contract.js';
import { httpClient } from '../src/index.js';

const KEYS = { acme: 'key-acme-0123456789', globex: 'key-globex-0123456789' };

clientContract('HTTP', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'weft-client-')), 'weft.db');
  const engine = await Engine.open({ db });
  const keys = staticKeys(parseApiKeys(`acme:${KEYS.acme},globex:${KEYS.globex}`));
  const server = await startServer({ engine, keys, port: 0, host: '127.0.0.1', drainMs: 1000 });
  return {
    client: (tenant) => httpClient({ url: server.url, key: KEYS[tenant] }),
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
});
