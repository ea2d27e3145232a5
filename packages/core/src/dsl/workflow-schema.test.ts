import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { workflowJsonSchema } from './index.js';

const FILE = fileURLToPath(new URL('../../workflow.schema.json', import.meta.url));
const generated = `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;

describe('workflow.schema.json', () => {
  test('is the JSON Schema generated from the zod schema', () => {
    if (process.env['WEFT_UPDATE_SCHEMA'] === '1') {
      writeFileSync(FILE, generated);
      return;
    }
    // Compared as data, so that reformatting the file (prettier) does not count as a change.
    const committed: unknown = existsSync(FILE)
      ? JSON.parse(readFileSync(FILE, 'utf8'))
      : undefined;
    if (!isDeepStrictEqual(committed, JSON.parse(generated))) {
      throw new Error(
        'packages/core/workflow.schema.json is out of date with packages/core/src/dsl/schema.ts.\n' +
          'Rewrite it with: WEFT_UPDATE_SCHEMA=1 npx vitest run packages/core/src/dsl/workflow-schema.test.ts',
      );
    }
  });

  test('accepts a definition and catches a typo, as an editor would', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(generated) as object);
    const def = parse(`
id: demo
triggers: [{ type: cron, schedule: "0 9 * * 1-5" }]
nodes:
  - id: each
    type: foreach
    with: { items: inputs.list }
    nodes:
      - { id: inner, type: noop, needs: [], retry: { max_attempts: 2 } }
  - { id: after, type: noop, needs: [{ node: each }], on_error: { return: 1 } }
`) as unknown;
    expect(validate(def), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ id: 'demo', nodes: [{ id: 'a', type: 'noop', retyr: {} }] })).toBe(false);
  });
});
