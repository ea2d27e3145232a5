/**
 * The console end to end, as a person uses it: Debian's Chromium (driven by playwright-core)
 * against a real `weft serve` on a SQLite file, with two tenants' keys. Each step waits on what
 * the page shows, never on time; each page is saved as a screenshot in test-results/.
 */
import { readFileSync } from 'node:fs';
import { startDemoServer } from '../../../test/fixtures/openai-server.mjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumMissing,
  ensureConsoleBuilt,
  launch,
  SCREENSHOTS,
  startWeft,
  type Server,
} from './browser.js';

const ACME = 'console-acme-key-0123456789';
const GLOBEX = 'console-globex-key-0123456789';
const WAIT = { timeout: 30_000 };
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const missing = chromiumMissing();
if (missing !== undefined) console.warn(`console end-to-end tests skipped: ${missing}`);

const APPROVAL = `id: approval
name: Expense approval
inputs:
  type: object
  required: [amount]
  properties:
    amount: { type: number, title: Amount }
    note: { type: string }
nodes:
  - id: prepare
    type: set
    with:
      values:
        amount: "{{ inputs.amount }}"
  - id: approve
    type: human
    needs: [prepare]
    with:
      prompt: "Approve an expense of {{ prepare.amount }} EUR?"
      schema:
        type: object
        required: [approved]
        properties:
          approved: { type: boolean }
          comment: { type: string }
  - id: done
    type: set
    needs: [approve]
    with:
      values:
        approved: "{{ approve.approved }}"
`;

const BROKEN = APPROVAL.replace('type: human', 'type: hooman');

const FLAKY = `id: flaky
nodes:
  - { id: fetch, type: set, with: { values: { n: 1 } } }
  - { id: check, type: fail, needs: [fetch], with: { message: "the check failed", code: CheckFailed } }
`;

const SLOW = `id: slow
nodes:
  - { id: nap, type: wait, with: { duration: PT10M } }
  - { id: after, type: noop, needs: [nap] }
`;

async function publish(s: Server, key: string, yaml: string): Promise<void> {
  const res = await fetch(`${s.url}/v1/workflows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/yaml' },
    body: yaml,
  });
  expect(res.status).toBe(201);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Opens the console in a fresh tab and signs in with `key`. */
async function signIn(ctx: BrowserContext, s: Server, key: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(s.url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: 'Workflows' }).waitFor(WAIT);
  return page;
}

const node = (page: Page, id: string, status?: string) =>
  page.locator(
    `[data-testid="node-${id}"]${status === undefined ? '' : `[data-status="${status}"]`}`,
  );

describe.skipIf(missing !== undefined)('the web console in Chromium', { timeout: 120_000 }, () => {
  let s: Server;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let approvalRun = '';
  let model: { url: string; close(): Promise<unknown> };

  beforeAll(async () => {
    ensureConsoleBuilt();
    model = await startDemoServer();
    s = await startWeft(`acme:${ACME},globex:${GLOBEX}`, {
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'test-key',
      WEFT_HTTP_ALLOW: '127.0.0.1',
    });
    browser = await launch();
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await model?.close();
  });

  it('asks for a key, refuses a wrong one, and lets a good one in', async () => {
    page = await ctx.newPage();
    await page.goto(s.url);
    await page.getByLabel('API key').waitFor(WAIT);
    await shot(page, '01-key');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('The server refused this key').waitFor(WAIT);
    await page.getByLabel('API key').fill(ACME);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Workflows' }).waitFor(WAIT);
    await page.getByText('No workflows yet').waitFor(WAIT);
  });

  it('marks a broken definition on its line in the editor, then publishes a good one', async () => {
    await page.getByRole('link', { name: 'Editor', exact: true }).click();
    const editor = page.getByLabel('Workflow definition (YAML)');
    await editor.fill(BROKEN);
    // `type: hooman` is on line 16: the gutter marks that line, the list names the problem.
    await page.locator('.gutter [data-marker="16"]').waitFor(WAIT);
    await page.getByRole('list', { name: 'Problems' }).getByText('unknown node type').waitFor(WAIT);
    await shot(page, '02-editor-invalid');
    await editor.fill(APPROVAL);
    await page.locator('.check-state[data-state="ok"]').waitFor(WAIT);
    await node(page, 'approve').waitFor(WAIT);
    await shot(page, '03-editor-valid');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('heading', { name: /Expense approval/ }).waitFor(WAIT);
    expect(page.url()).toMatch(/#\/workflows\/approval$/);
  });

  it('starts a run from the form made from the inputs schema, and the nodes turn green live', async () => {
    await node(page, 'prepare').waitFor(WAIT);
    await shot(page, '04-workflow');
    await page.getByLabel('Amount').fill('1200');
    await page.getByRole('button', { name: /Start run/ }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor(WAIT);
    approvalRun = decodeURIComponent(page.url().split('#/runs/')[1]!);
    await node(page, 'prepare', 'succeeded').waitFor(WAIT);
    await node(page, 'approve', 'waiting').waitFor(WAIT);
    await page.locator('.prompt', { hasText: 'Approve an expense of 1200 EUR?' }).waitFor(WAIT);
    await shot(page, '05-run-waiting');
  });

  it("opens a node's output, by keyboard too", async () => {
    await node(page, 'prepare').focus();
    await page.keyboard.press('Enter');
    const output = page.getByTestId('node-output');
    await output.waitFor(WAIT);
    expect(JSON.parse((await output.textContent())!)).toEqual({ amount: 1200 });
    await page.getByRole('button', { name: 'Close the node panel' }).click();
  });

  it('answers the human step with the form made from its schema', async () => {
    const form = page.getByRole('form', { name: 'Answer to approve' });
    await form.getByLabel('approved').check();
    await form.getByLabel('comment').fill('fine');
    await form.getByRole('button', { name: 'Send answer' }).click();
    await node(page, 'done', 'succeeded').waitFor(WAIT);
    await page.locator('.page-head .badge[data-status="succeeded"]').waitFor(WAIT);
    await page.locator('ol.events li[data-type="run.succeeded"]').waitFor(WAIT);
    await node(page, 'done').click();
    expect(JSON.parse((await page.getByTestId('node-output').textContent())!)).toEqual({
      approved: true,
    });
    await shot(page, '06-run-succeeded');
  });

  it('retries a failed run from a chosen node', async () => {
    await publish(s, ACME, FLAKY);
    await page.goto(`${s.url}/#/workflows/flaky`);
    await page.getByRole('button', { name: /Start run/ }).click();
    await node(page, 'check', 'failed').waitFor(WAIT);
    await page.getByText('the check failed').first().waitFor(WAIT);
    await node(page, 'fetch').click();
    await page.getByRole('button', { name: 'Retry from fetch' }).click();
    await page.locator('ol.events li[data-type="run.retried"]').waitFor(WAIT);
    // fetch ran again: its second start is in the log, and the run failed again at check.
    await page.locator('ol.events li[data-type="run.failed"]').nth(1).waitFor(WAIT);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('ol.events li[data-type="node.started"]')].filter((li) =>
          li.textContent?.includes('fetch'),
        ).length === 2,
      undefined,
      WAIT,
    );
    await node(page, 'check').click();
    await page.getByRole('region', { name: 'Node check' }).getByText('CheckFailed').waitFor(WAIT);
    await shot(page, '07-run-failed-retried');
  });

  it('cancels a running run', async () => {
    await publish(s, ACME, SLOW);
    await page.goto(`${s.url}/#/workflows/slow`);
    await page.getByRole('button', { name: /Start run/ }).click();
    await node(page, 'nap', 'waiting').waitFor(WAIT);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.page-head .badge[data-status="cancelled"]').waitFor(WAIT);
    await node(page, 'nap', 'cancelled').waitFor(WAIT);
  });

  it('lists the runs with filters', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator(`tr[data-run="${approvalRun}"]`).waitFor(WAIT);
    await page.locator('tbody tr').nth(2).waitFor(WAIT);
    await shot(page, '08-runs');
    // Live: a run started elsewhere comes on top without a reload.
    const started = await fetch(`${s.url}/v1/workflows/flaky/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json' },
      body: '{}',
    }).then((r) => r.json() as Promise<{ id: string }>);
    await page.locator(`tbody tr:first-child[data-run="${started.id}"]`).waitFor(WAIT);
    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByText('1 run shown').waitFor(WAIT);
    expect(await page.locator('tbody tr .badge').allTextContents()).toEqual(['cancelled']);
  });

  it("never shows another tenant's runs", async () => {
    const other = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const globex = await signIn(other, s, GLOBEX);
    await globex.getByText('No workflows yet').waitFor(WAIT);
    await globex.getByRole('link', { name: 'Runs', exact: true }).click();
    await globex.getByText('No runs match.').waitFor(WAIT);
    expect(await globex.locator('tbody tr').count()).toBe(0);
    await globex.goto(`${s.url}/#/runs/${approvalRun}`);
    await globex.getByText(/was not found/).waitFor(WAIT);
    await shot(globex, '09-other-tenant');
    await other.close();
  });

  it('sends events to a state-machine run with the buttons of the events it accepts', async () => {
    await publish(s, ACME, readFileSync(join(EXAMPLES, 'order.yaml'), 'utf8'));
    await page.goto(`${s.url}/#/workflows/order`);
    await node(page, 'shipped').waitFor(WAIT);
    await page.getByLabel('order_id').fill('A-17');
    await page.getByLabel('total').fill('40');
    await page.getByRole('button', { name: /Start run/ }).click();
    await page.getByTestId('machine-state').getByText('created', { exact: true }).waitFor(WAIT);
    const events = page.getByRole('region', { name: 'Send an event' });
    await events.getByRole('button', { name: 'CANCEL' }).waitFor(WAIT);
    await events.getByLabel('Data (JSON, optional)').fill('{"amount": 40}');
    await events.getByRole('button', { name: 'PAY' }).click();
    await page.getByTestId('machine-state').getByText('paid', { exact: true }).waitFor(WAIT);
    await node(page, 'paid', 'waiting').waitFor(WAIT);
    await node(page, 'created', 'succeeded').waitFor(WAIT);
    await events.getByRole('button', { name: 'SHIP' }).waitFor(WAIT);
    await shot(page, '11-state-machine');
  });

  it("browses a foreach's iterations", async () => {
    await publish(s, ACME, readFileSync(join(EXAMPLES, 'foreach.yaml'), 'utf8'));
    await page.goto(`${s.url}/#/workflows/foreach-words`);
    await page.getByRole('button', { name: /Start run/ }).click();
    await page.locator('.page-head .badge[data-status="succeeded"]').waitFor(WAIT);
    await node(page, 'each/measure', 'succeeded').waitFor(WAIT);
    const iteration = page.getByLabel('iteration of each');
    expect(await iteration.locator('option').count()).toBe(3);
    await iteration.selectOption('0');
    await node(page, 'each/measure').click();
    await page.getByRole('region', { name: 'Node each[0].measure' }).waitFor(WAIT);
    expect(JSON.parse((await page.getByTestId('node-output').textContent())!)).toMatchObject({
      word: 'alpha',
      position: 0,
    });
    await iteration.selectOption('2');
    await page.getByRole('region', { name: 'Node each[2].measure' }).waitFor(WAIT);
    expect(JSON.parse((await page.getByTestId('node-output').textContent())!)).toMatchObject({
      word: 'gamma',
    });
    await shot(page, '12-foreach');

    // A loop's iterations count from 1.
    await publish(s, ACME, readFileSync(join(EXAMPLES, 'loop.yaml'), 'utf8'));
    await page.goto(`${s.url}/#/workflows/loop-doubling`);
    await page.getByRole('button', { name: /Start run/ }).click();
    await page.locator('.page-head .badge[data-status="succeeded"]').waitFor(WAIT);
    await node(page, 'grow/step', 'succeeded').waitFor(WAIT);
    const loop = page.getByLabel('iteration of grow');
    expect(await loop.locator('option').first().textContent()).toBe('[1]');
    await loop.selectOption('1');
    await node(page, 'grow/step').click();
    await page.getByRole('region', { name: 'Node grow[1].step' }).waitFor(WAIT);
    expect(JSON.parse((await page.getByTestId('node-output').textContent())!)).toEqual({
      value: 1,
    });
  });

  it('runs one node from the editor', async () => {
    await page.goto(`${s.url}/#/editor/approval`);
    await page.locator('.check-state[data-state="ok"]').waitFor(WAIT);
    await page.getByLabel('Node', { exact: true }).selectOption('prepare');
    await page.getByLabel('Scope its expressions see (JSON)').fill('{"inputs": {"amount": 5}}');
    await page.getByRole('button', { name: 'Run this node' }).click();
    const result = page.getByTestId('node-test-result');
    await result.waitFor(WAIT);
    expect(await result.textContent()).toContain('"amount": 5');
    await shot(page, '13-editor-node-test');
  });

  it('draws a graph of 300 nodes and lists 1,000 runs', async () => {
    // 30 layers of 10 nodes, each node after two of the layer before.
    const nodes = Array.from({ length: 300 }, (_, i) =>
      i < 10
        ? `  - { id: n${i}, type: noop }`
        : `  - { id: n${i}, type: noop, needs: [n${i - 10}, n${i - 10 - (i % 10) + ((i + 1) % 10)}] }`,
    );
    await publish(s, ACME, `id: big\nnodes:\n${nodes.join('\n')}\n`);
    await publish(s, ACME, 'id: tiny\nnodes:\n  - { id: a, type: noop }\n');
    const start = () =>
      fetch(`${s.url}/v1/workflows/tiny/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ACME}`, 'content-type': 'application/json' },
        body: '{}',
      }).then((r) => expect(r.status).toBe(201));
    for (let i = 0; i < 1000; i += 25) await Promise.all(Array.from({ length: 25 }, start));

    await page.goto(`${s.url}/#/workflows/big`);
    await page.locator('.graph[data-ready="true"] .react-flow__node').first().waitFor(WAIT);
    await node(page, 'n0').waitFor(WAIT);
    await shot(page, '14-graph-300');

    await page.goto(`${s.url}/#/runs?workflow=tiny`);
    await page.getByText('100 runs shown').waitFor(WAIT);
    await page.getByLabel('Live').uncheck();
    for (let shown = 200; shown <= 1000; shown += 100) {
      await page.getByRole('button', { name: 'Load 100 more' }).click();
      await page.getByText(`${shown} runs shown`).waitFor(WAIT);
    }
    expect(await page.locator('tbody tr').count()).toBe(1000);
  }, 300_000);

  it('has a dark theme', async () => {
    await page.goto(`${s.url}/#/runs/${approvalRun}`);
    await node(page, 'done', 'succeeded').waitFor(WAIT);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached', ...WAIT });
    await shot(page, '15-run-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('shows the text an llm node streamed', async () => {
    await publish(s, ACME, readFileSync(join(EXAMPLES, 'llm.yaml'), 'utf8'));
    await page.goto(`${s.url}/#/workflows/llm-example`);
    await page.getByRole('button', { name: /Start run/ }).click();
    await page.locator('.page-head .badge[data-status="succeeded"]').waitFor(WAIT);
    await node(page, 'reply').click();
    const panel = page.getByRole('region', { name: 'Node reply' });
    await panel.getByRole('heading', { name: 'Streamed text' }).waitFor(WAIT);
    const streamed = (await panel.locator('pre.streamed').textContent())!;
    const output = JSON.parse((await panel.getByTestId('node-output').textContent())!);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed).toBe(output.text);
  });

  it('says so when a run was deleted, and when the key went bad', async () => {
    const runs = await fetch(`${s.url}/v1/runs?workflow=slow`, {
      headers: { authorization: `Bearer ${ACME}` },
    }).then((r) => r.json() as Promise<{ runs: { id: string }[] }>);
    const id = runs.runs[0]!.id;
    await page.goto(`${s.url}/#/runs/${id}`);
    await page.locator('.page-head .badge[data-status="cancelled"]').waitFor(WAIT);
    const deleted = await fetch(`${s.url}/v1/runs/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ACME}` },
    });
    expect(deleted.status).toBe(204);
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.goto(`${s.url}/#/runs/${id}`);
    await page.getByText(/was not found/).waitFor(WAIT);

    // A key revoked while the tab keeps it: the next call is refused, and the key page says why.
    const other = await browser.newContext();
    await other.addInitScript(() => sessionStorage.setItem('weft.apiKey', 'revoked-key'));
    const stale = await other.newPage();
    await stale.goto(`${s.url}/#/runs`);
    await stale.getByText(/it is wrong or was revoked/).waitFor(WAIT);
    await stale.getByLabel('API key').waitFor(WAIT);
    await other.close();
  });

  it('says so when the server has gone away', async () => {
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await page.getByRole('link', { name: 'approval' }).waitFor(WAIT);
    await s.stop();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByText('The server cannot be reached').waitFor(WAIT);
    await shot(page, '10-server-gone');
  });
});
