/**
 * @module store-kit/guard
 * Translating a store's driver faults into Weft errors at its edge, once for every method.
 */

/**
 * The object with every method's throws passed through `translate`, whether thrown at once or by
 * the promise it returns. A proxy rather than a try in each method: a method added later is covered
 * without anyone remembering to.
 */
export function guardMethods<T extends object>(target: T, translate: (e: unknown) => unknown): T {
  // By function, not by name: a method replaced on the instance (a test's spy) gets its own.
  const wrapped = new WeakMap<(...a: unknown[]) => unknown, (...a: unknown[]) => unknown>();
  return new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key, t) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      let fn = wrapped.get(method);
      if (fn === undefined) {
        // Called on the target: the class's private fields are not reachable through the proxy.
        fn = function (...args: unknown[]): unknown {
          try {
            const out = method.apply(t, args);
            return out instanceof Promise
              ? out.catch((e: unknown) => Promise.reject(translate(e)))
              : out;
          } catch (e) {
            throw translate(e);
          }
        };
        wrapped.set(method, fn);
      }
      return fn;
    },
  });
}
