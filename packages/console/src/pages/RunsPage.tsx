/**
 * The tenant's runs, newest first: filters by workflow, status and age (kept in the address, so a
 * view can be shared), pages of 100 loaded on demand, and the first page refreshed every few
 * seconds while "Live" is on. Rows are plain table rows: a thousand of them stay cheap.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { StatusBadge, When } from '../components/When';
import { formatDuration } from '../graph/GraphView';
import { go, href, useLoad } from '../hooks';
import type { Run, WorkflowSummary } from '../types';

const STATUSES = ['running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled', 'pending'];
const SINCE: Record<string, number> = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };
const PAGE = 100;
const LIVE_MS = 3000;

function durationOf(r: Run): number | undefined {
  if (r.started_at == null) return undefined;
  const end = r.finished_at == null ? Date.now() : Date.parse(r.finished_at);
  return end - Date.parse(r.started_at);
}

export default function RunsPage({ query }: { query: URLSearchParams }) {
  const workflow = query.get('workflow') ?? '';
  const status = query.get('status') ?? '';
  const since = query.get('since') ?? '';
  const cutoff = SINCE[since] === undefined ? undefined : Date.now() - SINCE[since];
  const workflows = useLoad(
    (signal) => api<{ workflows: WorkflowSummary[] }>('/v1/workflows', { signal }),
    [],
  );
  const [runs, setRuns] = useState<Run[] | undefined>();
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const filterKey = `${workflow}|${status}`;
  const current = useRef(filterKey);
  current.current = filterKey;

  const page = useCallback(
    (after: string | undefined) => {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (workflow !== '') q.set('workflow', workflow);
      if (status !== '') q.set('status', status);
      if (after !== undefined) q.set('cursor', after);
      return api<{ runs: Run[]; cursor?: string }>(`/v1/runs?${q}`);
    },
    [workflow, status],
  );

  // The first page, on each filter, then again while live: new runs go on top, known ones update.
  useEffect(() => {
    let stop = false;
    setRuns(undefined);
    setCursor(undefined);
    setError(undefined);
    const refresh = (first: boolean) =>
      page(undefined).then(
        (r) => {
          if (stop) return;
          setError(undefined);
          setRuns((old) => {
            if (first || old === undefined) return r.runs;
            const fresh = new Map(r.runs.map((x) => [x.id, x]));
            const rest = old.filter((x) => !fresh.has(x.id));
            const newest = r.runs.at(-1)?.created_at ?? '';
            return [...r.runs, ...rest.filter((x) => x.created_at < newest)];
          });
          if (first) setCursor(r.cursor);
        },
        (e: unknown) => !stop && setError(e),
      );
    void refresh(true);
    const timer = live ? setInterval(() => void refresh(false), LIVE_MS) : undefined;
    return () => {
      stop = true;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [page, live]);

  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value === '') q.delete(name);
    else q.set(name, value);
    const s = q.toString();
    go(`/runs${s === '' ? '' : `?${s}`}`);
  };

  const shown = (runs ?? []).filter(
    (r) => cutoff === undefined || Date.parse(r.created_at) >= cutoff,
  );
  const older =
    cutoff !== undefined &&
    runs !== undefined &&
    runs.length > 0 &&
    Date.parse(runs.at(-1)!.created_at) < cutoff;

  return (
    <section>
      <div className="page-head">
        <h1>Runs</h1>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </div>
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Workflow{' '}
          <select value={workflow} onChange={(e) => setFilter('workflow', e.target.value)}>
            <option value="">any</option>
            {workflow !== '' &&
              !(workflows.data?.workflows ?? []).some((w) => w.id === workflow) && (
                <option value={workflow}>{workflow}</option>
              )}
            {(workflows.data?.workflows ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Started{' '}
          <select value={since} onChange={(e) => setFilter('since', e.target.value)}>
            <option value="">any time</option>
            <option value="1h">in the last hour</option>
            <option value="24h">in the last 24 hours</option>
            <option value="7d">in the last 7 days</option>
          </select>
        </label>
      </form>
      {error !== undefined && <ErrorBox error={error} what="the runs" />}
      {runs === undefined && error === undefined && <p className="muted">Loading…</p>}
      {runs !== undefined && (
        <table className="list" aria-label="Runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Workflow</th>
              <th>Status</th>
              <th>Created</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <a href={href('runs', r.id)} className="mono">
                    {r.id}
                  </a>
                </td>
                <td>
                  <a href={href('workflows', r.workflow)}>{r.workflow}</a>
                  <span className="muted">@{r.version}</span>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>
                  <When at={r.created_at} />
                </td>
                <td>{formatDuration(durationOf(r))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs !== undefined && shown.length === 0 && <p className="muted">No runs match.</p>}
      <p className="muted" aria-live="polite">
        {runs !== undefined && `${shown.length} run${shown.length === 1 ? '' : 's'} shown`}
      </p>
      {cursor !== undefined && !older && (
        <button
          type="button"
          disabled={loadingMore}
          onClick={() => {
            setLoadingMore(true);
            const asked = filterKey;
            page(cursor).then(
              (r) => {
                setLoadingMore(false);
                if (current.current !== asked) return;
                setRuns((old) => [
                  ...(old ?? []),
                  ...r.runs.filter((x) => !(old ?? []).some((o) => o.id === x.id)),
                ]);
                setCursor(r.cursor);
              },
              (e: unknown) => {
                setLoadingMore(false);
                setError(e);
              },
            );
          }}
        >
          {loadingMore ? 'Loading…' : `Load ${PAGE} more`}
        </button>
      )}
    </section>
  );
}
