/**
 * @module javascript/memory-cap
 * QuickJS's own memory limit counts what it can measure, and this build cannot measure the size of
 * a block (`malloc_usable_size` is unavailable in WebAssembly): large arrays slip past it, and a
 * loop filling them grew the module's memory to gigabytes before its time limit. So the growth of
 * the module's WebAssembly memory is capped too: past the cap Emscripten's allocator gets no more
 * memory, `malloc` fails, and QuickJS throws its `out of memory`.
 */

/** The part of a `WebAssembly.Memory` used here (the project's TypeScript lib has no WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Cap {
  bytes: number;
  refused: boolean;
}

const caps = new WeakMap<WasmMemory, Cap>();
let installed = false;

/** Routes every growth of a WebAssembly memory through its cap, if it has one. Idempotent. */
function install(): void {
  if (installed) return;
  installed = true;
  const proto = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } })
    .WebAssembly.Memory.prototype;
  const grow: (this: WasmMemory, pages: number) => number = Reflect.get(proto, 'grow');
  proto.grow = function (this: WasmMemory, pages: number): number {
    const cap = caps.get(this);
    if (cap !== undefined && this.buffer.byteLength + pages * 65_536 > cap.bytes) {
      cap.refused = true;
      throw new RangeError('the memory limit of the code is reached');
    }
    return grow.call(this, pages);
  };
}

/** Lets `memory` grow by at most `bytes` from its size now, until the returned cap is lifted. */
export function capMemory(memory: WasmMemory, bytes: number) {
  install();
  const cap: Cap = { bytes: memory.buffer.byteLength + bytes, refused: false };
  caps.set(memory, cap);
  return {
    /** Whether a growth was refused: the job hit its limit, even if it caught the error. */
    get refused() {
      return cap.refused;
    },
    /** Room to read the error out once the limit was hit. */
    widen(extra: number) {
      cap.bytes += extra;
    },
    lift() {
      caps.delete(memory);
    },
  };
}
