/**
 * The MCP server fixture (test/fixtures/mcp-server.mjs) for tests: its stdio command line, a call
 * counter file, and its HTTP mode started as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturePath = fileURLToPath(
  new URL('../../../test/fixtures/mcp-server.mjs', import.meta.url),
);

/** The stdio command line of the fixture, quoted for the `server` parameter. */
export const stdioServer = `"${process.execPath}" "${fixturePath}"`;

/** A fresh file for MCP_COUNT_FILE, and the calls it has recorded. */
export function countFile(): { path: string; calls(tool?: string): number } {
  const path = join(mkdtempSync(join(tmpdir(), 'weft-mcp-')), 'calls.txt');
  return {
    path,
    calls: (tool) => {
      if (!existsSync(path)) return 0;
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      return tool === undefined ? lines.length : lines.filter((l) => l === tool).length;
    },
  };
}

/** The fixture in HTTP mode on a free port; `url` is its MCP endpoint. */
export async function startHttpFixture(
  token?: string,
): Promise<{ url: string; child: ChildProcess; stop(): void }> {
  const args = [fixturePath, '--http', '--port', '0', ...(token ? ['--token', token] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = /^(http:\S+)\n/m.exec(out);
      if (line?.[1] !== undefined) resolve(line[1]);
    });
    child.once('exit', (code) => reject(new Error(`MCP fixture exited with ${code}`)));
  });
  return { url, child, stop: () => void child.kill() };
}
