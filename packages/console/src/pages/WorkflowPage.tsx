/** One workflow: its versions, its graph, a form to start a run, and its latest runs. */
import { useMemo, useState } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { SchemaForm } from '../components/SchemaForm';
import { StatusBadge, When } from '../components/When';
import { GraphView } from '../graph/GraphView';
import { drawingOf } from '../graph/model';
import { go, href, useLoad } from '../hooks';
import type { Run, WorkflowVersion } from '../types';

export default function WorkflowPage({
  id,
  version,
}: {
  id: string;
  version?: string | undefined;
}) {
  const latest = useLoad(
    (signal) => api<WorkflowVersion>(`/v1/workflows/${encodeURIComponent(id)}`, { signal }),
    [id],
  );
  const shown = useLoad(
    (signal) =>
      version === undefined
        ? api<WorkflowVersion>(`/v1/workflows/${encodeURIComponent(id)}`, { signal })
        : api<WorkflowVersion>(
            `/v1/workflows/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`,
            { signal },
          ),
    [id, version],
  );
  const runs = useLoad(
    (signal) =>
      api<{ runs: Run[] }>(`/v1/runs?workflow=${encodeURIComponent(id)}&limit=10`, { signal }),
    [id],
  );
  const wf = shown.data;
  const drawing = useMemo(() => drawingOf(wf?.definition), [wf]);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>();
  const [showSource, setShowSource] = useState(false);

  if (shown.error !== undefined)
    return <ErrorBox error={shown.error} what={`workflow ${id}`} onRetry={shown.reload} />;
  if (wf === undefined) return <p className="muted">Loading…</p>;
  const latestVersion = latest.data?.version ?? wf.version;
  const def = wf.definition;
  const inputs = def['inputs'];

  return (
    <section>
      <div className="page-head">
        <h1>
          {wf.name ?? wf.id} <span className="muted">v{wf.version}</span>
        </h1>
        <label>
          Version{' '}
          <select
            aria-label="Version"
            value={wf.version}
            onChange={(e) =>
              go(
                Number(e.target.value) === latestVersion
                  ? `/workflows/${encodeURIComponent(id)}`
                  : `/workflows/${encodeURIComponent(id)}?v=${e.target.value}`,
              )
            }
          >
            {Array.from({ length: latestVersion }, (_, i) => latestVersion - i).map((v) => (
              <option key={v} value={v}>
                v{v}
                {v === latestVersion ? ' (latest)' : ''}
              </option>
            ))}
          </select>
        </label>
        <a className="button" href={href('editor', id)}>
          Edit
        </a>
        <a className="button" href={`#/runs?workflow=${encodeURIComponent(id)}`}>
          All runs
        </a>
      </div>
      {typeof def['description'] === 'string' && <p>{def['description']}</p>}
      <div className="split">
        <div className="split-main">
          <GraphView drawing={drawing} label={`Graph of ${wf.id} v${wf.version}`} />
          <p>
            <button
              type="button"
              className="ghost"
              onClick={() => setShowSource(!showSource)}
              aria-expanded={showSource}
            >
              {showSource ? 'Hide' : 'Show'} the definition
            </button>
          </p>
          {showSource && <pre className="code">{wf.source ?? JSON.stringify(def, null, 2)}</pre>}
        </div>
        <aside className="split-side">
          <h2>Start a run</h2>
          {def['kind'] === 'state-machine' && (
            <p className="muted">
              A state machine: once started, send it events from the run page.
            </p>
          )}
          <SchemaForm
            key={`${wf.id}@${wf.version}`}
            name="Run input"
            schema={inputs ?? { type: 'object', properties: {} }}
            submitLabel={`Start run of v${wf.version}`}
            busy={starting}
            onSubmit={(input) => {
              setStarting(true);
              setStartError(undefined);
              api<{ id: string }>(`/v1/workflows/${encodeURIComponent(id)}/runs`, {
                json: { input, version: wf.version },
              }).then(
                (r) => go(`/runs/${encodeURIComponent(r.id)}`),
                (e: unknown) => {
                  setStarting(false);
                  setStartError(e);
                },
              );
            }}
          />
          {startError !== undefined && <ErrorBox error={startError} />}
          <h2>Latest runs</h2>
          {runs.error !== undefined && <ErrorBox error={runs.error} what="the runs" />}
          <ul className="plain">
            {(runs.data?.runs ?? []).map((r) => (
              <li key={r.id}>
                <StatusBadge status={r.status} />{' '}
                <a href={href('runs', r.id)}>{r.id.slice(0, 13)}…</a> <When at={r.created_at} />
              </li>
            ))}
            {runs.data?.runs.length === 0 && <li className="muted">No runs yet.</li>}
          </ul>
        </aside>
      </div>
    </section>
  );
}
