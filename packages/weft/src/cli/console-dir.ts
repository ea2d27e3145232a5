/**
 * @module cli/console-dir
 * Where `weft serve` finds the built web console: `WEFT_CONSOLE_DIR`, else the console package's
 * build output beside this one in the repository (`packages/console/dist`, made by `npm install`
 * or `npm run build`). Undefined when there is no build: the server's `/` then says how to make it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** From `packages/weft/dist/cli/` (built) or `packages/weft/src/cli/` (tests) to the console's build. */
const BESIDE = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

export function consoleDirFrom(env: NodeJS.ProcessEnv): string | undefined {
  const given = env['WEFT_CONSOLE_DIR'];
  const dir = given !== undefined && given !== '' ? given : BESIDE;
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}
