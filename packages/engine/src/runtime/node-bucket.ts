/**
 * @module runtime/node-bucket
 * The bucket a node's `rate` and `budget` draw from within its tenant, in the store.
 */

/**
 * The `key` the node's rate or budget names, else the credential it calls with
 * (`with.credential`, as rendered), else its node type.
 */
export function nodeBucket(key: string | undefined, nodeType: string, params: unknown): string {
  if (key !== undefined) return `key:${key}`;
  const credential =
    typeof params === 'object' && params !== null
      ? (params as { credential?: unknown }).credential
      : undefined;
  if (typeof credential === 'string' && credential !== '') return `credential:${credential}`;
  return `type:${nodeType}`;
}
