/** The selected node of a run: status, attempts and timings, streamed text, output, error with its causes, input scope. */
import type { Box, Drawing } from '../graph/model';
import { formatDuration } from '../graph/GraphView';
import { StatusBadge, When } from '../components/When';
import { href } from '../hooks';
import type { Run } from '../types';
import { ErrorChain } from '../components/ErrorChain';
import { durationOf, scopeOf } from './run-view';

const json = (v: unknown) => JSON.stringify(v, null, 2);

export function NodePanel(p: {
  drawing: Drawing;
  box: Box;
  run: Run;
  path: string;
  shown: Record<string, number>;
  tokens: Record<string, string>;
  now: number;
  onClose: () => void;
}) {
  const { box, run } = p;
  const machine = p.drawing.kind === 'state-machine';
  const n = machine ? undefined : run.nodes?.[p.path];
  const streamed = p.tokens[p.path];
  const actions = machine
    ? Object.entries(run.nodes ?? {}).filter(([k]) => k.includes(box.id) || k.includes(box.label))
    : [];
  return (
    <div className="node-panel" role="region" aria-label={`Node ${p.path}`}>
      <div className="page-head">
        <h2>
          <span className="mono">{p.path}</span>
        </h2>
        <button
          type="button"
          className="ghost"
          onClick={p.onClose}
          aria-label="Close the node panel"
        >
          ✕
        </button>
      </div>
      <p className="muted">{box.type}</p>
      {machine ? (
        <>
          <p>
            {run.state === box.id || run.state?.startsWith(`${box.id}.`)
              ? 'The run is in this state.'
              : ''}
          </p>
          {actions.map(([k, a]) => (
            <div key={k}>
              <h3 className="mono">{k}</h3>
              <StatusBadge status={a.status} />
              {a.output !== undefined && <pre className="code">{json(a.output)}</pre>}
              {a.error != null && <ErrorChain error={a.error} />}
            </div>
          ))}
        </>
      ) : (
        <>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={n?.status ?? 'pending'} />
            </dd>
            <dt>Attempts</dt>
            <dd>{n?.attempts ?? 0}</dd>
            <dt>Started</dt>
            <dd>
              <When at={n?.started_at ?? null} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <When at={n?.finished_at ?? null} />
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(durationOf(n, p.now)) || '—'}</dd>
            {n?.child_run_id !== undefined && (
              <>
                <dt>Child run</dt>
                <dd>
                  <a href={href('runs', n.child_run_id)}>{n.child_run_id.slice(0, 13)}…</a>
                </dd>
              </>
            )}
          </dl>
          {streamed !== undefined && (
            <>
              <h3>Streamed text</h3>
              <pre className="code streamed" aria-live="polite">
                {streamed}
              </pre>
            </>
          )}
          {n?.output !== undefined && (
            <>
              <h3>Output</h3>
              <pre className="code" data-testid="node-output">
                {json(n.output)}
              </pre>
            </>
          )}
          {n?.error != null && (
            <>
              <h3>Error</h3>
              <ErrorChain error={n.error} />
            </>
          )}
          <details>
            <summary>Input scope</summary>
            <pre className="code">{json(scopeOf(p.drawing, box, run, p.shown))}</pre>
          </details>
        </>
      )}
    </div>
  );
}
