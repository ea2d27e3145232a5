/**
 * @module sse
 * Reads a Server-Sent Events body message by message (`id`, `event`, `data`, `retry`; comments
 * are skipped). Stopping the iteration cancels the body.
 */

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const message = parseBlock(buf.slice(0, cut));
        buf = buf.slice(cut + 2);
        if (message !== undefined) yield message;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseBlock(block: string): SseMessage | undefined {
  const m: SseMessage = {};
  let any = false;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    any = true;
    if (field === 'id' || field === 'event') m[field] = value;
    else if (field === 'data') m.data = m.data === undefined ? value : `${m.data}\n${value}`;
    else if (field === 'retry' && /^\d+$/.test(value)) m.retry = Number(value);
  }
  return any ? m : undefined;
}
