/** Workflows: validate, publish, list, read, delete; another tenant's are not found. */
import { expect, it } from 'vitest';
import type { World } from '../client-contract.js';
import { codeOf, hello } from './fixtures.js';

export function workflowCases(world: World): void {
  it('validates without storing: problems come as diagnostics', async () => {
    const acme = world().client('acme');
    expect(await acme.workflows.validate(hello)).toEqual({ ok: true, diagnostics: [] });
    const bad = await acme.workflows.validate('id: x\nnodes: [{ id: a, type: htp }]\n');
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics[0]?.path).toBe('nodes[0].type');
    expect(await acme.workflows.list()).toEqual([]);
  });

  it('a dry run answers what publishing would: a call cycle through stored workflows', async () => {
    const acme = world().client('acme');
    await acme.workflows.publish('id: ping\nnodes:\n  - { id: a, type: noop }\n');
    await acme.workflows.publish(
      'id: pong\nnodes:\n  - { id: call, type: subworkflow, with: { workflow: ping } }\n',
    );
    const closing =
      'id: ping\nnodes:\n  - { id: back, type: subworkflow, with: { workflow: pong } }\n';
    const dry = await acme.workflows.validate(closing);
    expect(dry.ok).toBe(false);
    expect(dry.diagnostics).toHaveLength(1);
    expect(dry.diagnostics[0]?.path).toBe('nodes[0].with.workflow');
    expect(dry.diagnostics[0]?.message).toMatch(/workflow cycle ping .* → pong .* → ping/);
    // Nothing stored: ping is still its first version, and publishing is refused the same way.
    expect((await acme.workflows.get('ping')).version).toBe(1);
    expect(await codeOf(acme.workflows.publish(closing))).toBe('invalid_definition');
    // Another tenant has no pong: the same text is no cycle there.
    expect((await world().client('globex').workflows.validate(closing)).ok).toBe(true);
  });

  it('publishes a version, keeps it for the same content, and reads it back', async () => {
    const acme = world().client('acme');
    expect(await acme.workflows.publish(hello)).toEqual({ id: 'hello', version: 1, created: true });
    expect(await acme.workflows.publish(hello)).toEqual({
      id: 'hello',
      version: 1,
      created: false,
    });
    const v2 = await acme.workflows.publish(hello.replace('Hello,', 'Hi,'));
    expect(v2).toEqual({ id: 'hello', version: 2, created: true });
    const list = await acme.workflows.list();
    expect(list).toMatchObject([{ id: 'hello', name: 'Hello', latest_version: 2 }]);
    const latest = await acme.workflows.get('hello');
    expect(latest).toMatchObject({ id: 'hello', version: 2, name: 'Hello' });
    expect(latest.source).toContain('Hi,');
    expect((await acme.workflows.getVersion('hello', 1)).source).toBe(hello);
    expect(await codeOf(acme.workflows.getVersion('hello', 3))).toBe('not_found');
  });

  it('refuses invalid definitions and JSON that does not parse', async () => {
    const acme = world().client('acme');
    expect(await codeOf(acme.workflows.publish('id: x\nnodes: [{ id: a, type: htp }]\n'))).toBe(
      'invalid_definition',
    );
    expect(await codeOf(acme.workflows.publish('{ "id": "x", ', { format: 'json' }))).toBe(
      'malformed_json',
    );
    expect(
      await acme.workflows.publish({ id: 'obj', nodes: [{ id: 'a', type: 'noop' }] }),
    ).toMatchObject({ id: 'obj', version: 1 });
  });

  it('deletes every version; a second delete is not_found', async () => {
    const acme = world().client('acme');
    await acme.workflows.publish(hello);
    await acme.workflows.delete('hello');
    expect(await acme.workflows.list()).toEqual([]);
    expect(await codeOf(acme.workflows.get('hello'))).toBe('not_found');
    expect(await codeOf(acme.workflows.delete('hello'))).toBe('not_found');
  });

  it("does not show, start or delete another tenant's workflow", async () => {
    const acme = world().client('acme');
    const globex = world().client('globex');
    await acme.workflows.publish(hello);
    expect(await globex.workflows.list()).toEqual([]);
    expect(await codeOf(globex.workflows.get('hello'))).toBe('not_found');
    expect(await codeOf(globex.workflows.getVersion('hello', 1))).toBe('not_found');
    expect(await codeOf(globex.workflows.delete('hello'))).toBe('not_found');
    expect(await codeOf(globex.runs.start('hello'))).toBe('not_found');
    expect((await acme.workflows.get('hello')).version).toBe(1);
  });
}
