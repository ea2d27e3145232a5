/**
 * Write a workflow in YAML: the server validates it as you type (`?dry_run=true`), problems are
 * marked on their lines, the graph is drawn beside it, and Publish stores it as a new version.
 * "Run this node" tries one node alone (`POST /v1/nodes/test`) with a scope you give.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { parse } from 'yaml';
import { api, ApiError, type Detail } from '../api';
import { CodeEditor, type CodeEditorHandle } from '../components/CodeEditor';
import { ErrorBox, messageOf } from '../components/ErrorBox';
import { ErrorChain } from '../components/ErrorChain';
import { GraphView, formatDuration } from '../graph/GraphView';
import { drawingOf, type Drawing } from '../graph/model';
import { go, href } from '../hooks';
import type { ErrorValue, WorkflowVersion } from '../types';

const STARTER = `id: hello
name: Hello
inputs:
  type: object
  required: [name]
  properties:
    name: { type: string }
nodes:
  - id: greet
    type: set
    with:
      values:
        text: "Hello {{ inputs.name }}"
  - id: shout
    type: transform
    needs: [greet]
    with:
      expression: "$uppercase(greet.text)"
outputs:
  text: "{{ shout }}"
`;

const VALIDATE_AFTER_MS = 400;

type Check =
  | { state: 'idle' | 'checking' | 'ok' }
  | { state: 'problems'; details: Detail[] }
  | { state: 'error'; error: unknown };

type NodeTest =
  | { state: 'running' }
  | { state: 'done'; status: 'succeeded'; output: unknown; durationMs?: number }
  | { state: 'done'; status: 'failed'; error: ErrorValue }
  | { state: 'error'; error: unknown };

export default function EditorPage({ id }: { id?: string | undefined }) {
  const [text, setText] = useState<string | undefined>(id === undefined ? STARTER : undefined);
  const [loadError, setLoadError] = useState<unknown>();
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [publishing, setPublishing] = useState(false);
  const [published, setPublished] = useState<string | undefined>();
  const [publishError, setPublishError] = useState<unknown>();
  const [drawing, setDrawing] = useState<Drawing>(() => drawingOf(undefined));
  const [testNode, setTestNode] = useState('');
  const [scope, setScope] = useState('{\n  "inputs": {}\n}');
  const [test, setTest] = useState<NodeTest | undefined>();
  const editor = useRef<CodeEditorHandle>(null);

  useEffect(() => {
    if (id === undefined) return;
    api<WorkflowVersion>(`/v1/workflows/${encodeURIComponent(id)}`).then(
      (w) => setText(w.source ?? JSON.stringify(w.definition, null, 2)),
      (e: unknown) => setLoadError(e),
    );
  }, [id]);

  // As the text changes: draw it (when it parses) and ask the server what it thinks of it.
  useEffect(() => {
    if (text === undefined) return;
    try {
      setDrawing(drawingOf(parse(text)));
    } catch {
      // half-written YAML: keep the last drawing; the server's check says where it breaks
    }
    const ac = new AbortController();
    const t = setTimeout(() => {
      setCheck({ state: 'checking' });
      api<{ ok: boolean; diagnostics: Detail[] }>('/v1/workflows?dry_run=true', {
        yaml: text,
        signal: ac.signal,
      }).then(
        (r) =>
          setCheck(
            r.ok && r.diagnostics.length === 0
              ? { state: 'ok' }
              : { state: 'problems', details: r.diagnostics },
          ),
        (e: unknown) => {
          if (ac.signal.aborted) return;
          if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 401)
            setCheck({
              state: 'problems',
              details: e.details.length > 0 ? e.details : [{ path: '', message: e.message }],
            });
          else setCheck({ state: 'error', error: e });
        },
      );
    }, VALIDATE_AFTER_MS);
    return () => {
      clearTimeout(t);
      ac.abort();
    };
  }, [text]);

  const problems = check.state === 'problems' ? check.details : [];
  const testable = useMemo(() => drawing.boxes.filter((b) => b.kind === 'node'), [drawing]);
  useEffect(() => {
    if (testNode !== '' && !testable.some((b) => b.segments.join('.') === testNode))
      setTestNode('');
  }, [testable, testNode]);

  if (loadError !== undefined) return <ErrorBox error={loadError} what={`workflow ${id ?? ''}`} />;
  if (text === undefined) return <p className="muted">Loading…</p>;

  const publish = () => {
    setPublishing(true);
    setPublishError(undefined);
    setPublished(undefined);
    api<{ id: string; version: number; created: boolean }>('/v1/workflows', { yaml: text }).then(
      (r) => {
        setPublishing(false);
        setPublished(
          r.created
            ? `Published ${r.id} v${r.version}.`
            : `${r.id} v${r.version} already has this content.`,
        );
        go(`/workflows/${encodeURIComponent(r.id)}`);
      },
      (e: unknown) => {
        setPublishing(false);
        setPublishError(e);
        if (e instanceof ApiError && e.details.length > 0)
          setCheck({ state: 'problems', details: e.details });
      },
    );
  };

  const runNode = () => {
    let parsedScope: unknown;
    try {
      parsedScope = JSON.parse(scope);
    } catch (e) {
      return setTest({
        state: 'error',
        error: new Error(`The scope is not JSON: ${messageOf(e)}`),
      });
    }
    setTest({ state: 'running' });
    api<{
      status: 'succeeded' | 'failed';
      output?: unknown;
      duration_ms?: number;
      error?: ErrorValue;
    }>('/v1/nodes/test', {
      // A node in a body is listed by its place; ids are unique in a workflow, and the API takes one.
      json: { definition: text, node: testNode.split('.').at(-1), scope: parsedScope },
    }).then(
      (r) =>
        setTest(
          r.status === 'succeeded'
            ? {
                state: 'done',
                status: 'succeeded',
                output: r.output,
                ...(r.duration_ms === undefined ? {} : { durationMs: r.duration_ms }),
              }
            : {
                state: 'done',
                status: 'failed',
                error: r.error ?? { code: 'unknown', message: 'failed' },
              },
        ),
      (e: unknown) => setTest({ state: 'error', error: e }),
    );
  };

  return (
    <section className="editor-page">
      <div className="page-head">
        <h1>{id === undefined ? 'New workflow' : <>Edit {id}</>}</h1>
        <span className="check-state" role="status" data-state={check.state}>
          {check.state === 'checking' && 'Checking…'}
          {check.state === 'ok' && '✓ Valid'}
          {check.state === 'problems' &&
            `${problems.length} problem${problems.length === 1 ? '' : 's'}`}
          {check.state === 'error' && 'Could not check'}
        </span>
        <button type="button" className="primary" onClick={publish} disabled={publishing}>
          {publishing ? 'Publishing…' : 'Publish'}
        </button>
        {id !== undefined && (
          <a className="button" href={href('workflows', id)}>
            Back to {id}
          </a>
        )}
      </div>
      {published !== undefined && <p role="status">{published}</p>}
      {publishError !== undefined &&
        !(publishError instanceof ApiError && publishError.details.length > 0) && (
          <ErrorBox error={publishError} />
        )}
      <div className="split">
        <div className="split-main">
          <CodeEditor
            ref={editor}
            value={text}
            onChange={setText}
            problems={problems}
            label="Workflow definition (YAML)"
            describedBy="problems"
          />
          <ul id="problems" className="problems" aria-label="Problems">
            {problems.map((d, i) => (
              <li key={i}>
                {d.line !== undefined ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => editor.current?.jumpTo(d.line!, d.column ?? 1)}
                  >
                    {d.line}:{d.column ?? 1}
                  </button>
                ) : null}{' '}
                {d.path !== '' && <code>{d.path}</code>} {d.message}
              </li>
            ))}
          </ul>
          {check.state === 'error' && (
            <ErrorBox error={check.error} what="the check of the definition" />
          )}
        </div>
        <div className="split-side wide">
          <h2>Preview</h2>
          <GraphView
            drawing={drawing}
            label="Preview of the graph"
            selected={testable.find((b) => b.segments.join('.') === testNode)?.id}
            onSelect={(boxId) => {
              const b = testable.find((x) => x.id === boxId);
              if (b !== undefined) setTestNode(b.segments.join('.'));
            }}
          />
          {drawing.kind === 'graph' && (
            <div className="node-test" role="region" aria-label="Run one node">
              <h2>Run one node</h2>
              <label htmlFor="test-node">Node</label>
              <select id="test-node" value={testNode} onChange={(e) => setTestNode(e.target.value)}>
                <option value="">choose a node</option>
                {testable.map((b) => (
                  <option key={b.id} value={b.segments.join('.')}>
                    {b.segments.join('.')} ({b.type})
                  </option>
                ))}
              </select>
              <label htmlFor="test-scope">Scope its expressions see (JSON)</label>
              <textarea
                id="test-scope"
                rows={4}
                value={scope}
                onChange={(e) => setScope(e.target.value)}
              />
              <button
                type="button"
                onClick={runNode}
                disabled={testNode === '' || test?.state === 'running'}
              >
                {test?.state === 'running' ? 'Running…' : 'Run this node'}
              </button>
              {test?.state === 'done' && test.status === 'succeeded' && (
                <div data-testid="node-test-result">
                  <p>
                    <span className="badge status-succeeded">succeeded</span>{' '}
                    {test.durationMs !== undefined && formatDuration(test.durationMs)}
                  </p>
                  <pre className="code">{JSON.stringify(test.output, null, 2)}</pre>
                </div>
              )}
              {test?.state === 'done' && test.status === 'failed' && (
                <div data-testid="node-test-result">
                  <span className="badge status-failed">failed</span>
                  <ErrorChain error={test.error} />
                </div>
              )}
              {test?.state === 'error' && <ErrorBox error={test.error} />}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
