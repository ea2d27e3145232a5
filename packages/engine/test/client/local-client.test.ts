/** The client contract against the in-process client: `engine.client(tenant)` on a temp SQLite file. */
import { clientContract } from '../../../../test/support/client-contract.js';
import { Engine } from '../../src/index.js';
import { tempDb } from '../helpers.js';

clientContract('in-process', async () => {
  const engine = await Engine.open({ db: tempDb() });
  return { client: (tenant) => engine.client(tenant), close: () => engine.close() };
});
