import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const loadedUndici = () =>
  Object.keys(createRequire(import.meta.url).cache).some((path) =>
    /[\\/]node_modules[\\/]undici[\\/]/.test(path),
  );

describe('undici', () => {
  it('is loaded by the first request, not with the node types', async () => {
    const nodes = await import('../index.js');
    expect(nodes.standardNodes.some((t) => t.type === 'http')).toBe(true);
    expect(loadedUndici()).toBe(false);
    const { undici } = await import('./undici.js');
    expect(typeof undici().request).toBe('function');
    expect(loadedUndici()).toBe(true);
  });
});
