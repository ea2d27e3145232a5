/**
 * One run, live: its graph with the status of every node (over the run's event stream), the
 * selected node's details, the controls the run's status allows, answers to waiting nodes, events
 * to a state machine, and the ordered event log.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, followRun, type RunEvent } from '../api';
import { ErrorBox, messageOf } from '../components/ErrorBox';
import { SchemaForm } from '../components/SchemaForm';
import { StatusBadge, When } from '../components/When';
import { formatDuration, GraphView } from '../graph/GraphView';
import { drawingOf, type Drawing } from '../graph/model';
import { href, useLoad } from '../hooks';
import { FINISHED, type Run, type WorkflowVersion } from '../types';
import { ErrorChain } from '../components/ErrorChain';
import { EventLog } from './EventLog';
import { NodePanel } from './NodePanel';
import {
  iterationsOf,
  overlayOf,
  runPathOf,
  streamedText,
  takenTransitions,
  waitingFor,
} from './run-view';

const json = (v: unknown) => JSON.stringify(v, null, 2);

export default function RunPage({ id }: { id: string }) {
  const runUrl = `/v1/runs/${encodeURIComponent(id)}`;
  const [run, setRun] = useState<Run | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [connected, setConnected] = useState(true);
  const [streamError, setStreamError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const lastSeq = useRef(0);

  const refresh = useCallback(
    () =>
      api<Run>(runUrl).then(
        (r) => {
          setRun(r);
          setLoadError(undefined);
        },
        (e: unknown) => setLoadError(e),
      ),
    [runUrl],
  );

  // The run object is re-read (at most every 200 ms) when its events say something changed.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshSoon = useCallback(() => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      void refresh();
    }, 200);
  }, [refresh]);

  useEffect(
    () => () => {
      if (pending.current !== undefined) clearTimeout(pending.current);
      pending.current = undefined;
    },
    [],
  );

  useEffect(() => {
    setRun(undefined);
    setEvents([]);
    lastSeq.current = 0;
    setSelected(undefined);
    void refresh();
  }, [refresh]);

  // The live stream, from the last event seen; opened again after an action revives a finished run.
  useEffect(() => {
    const ac = new AbortController();
    setStreamError(undefined);
    followRun(
      id,
      lastSeq.current,
      (e) => {
        if (e.seq <= lastSeq.current) return;
        lastSeq.current = e.seq;
        setEvents((old) => [...old, e]);
        if (e.type !== 'node.progress') refreshSoon();
      },
      ac.signal,
      setConnected,
    ).then(
      () => !ac.signal.aborted && refreshSoon(),
      (e: unknown) => !ac.signal.aborted && setStreamError(e),
    );
    return () => ac.abort();
  }, [id, generation, refreshSoon]);

  const finished = run !== undefined && FINISHED.has(run.status);
  useEffect(() => {
    if (finished) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [finished]);

  const version = useLoad(
    (signal) =>
      run === undefined
        ? Promise.resolve(undefined)
        : api<WorkflowVersion>(
            `/v1/workflows/${encodeURIComponent(run.workflow)}/versions/${run.version}`,
            { signal },
          ),
    [run?.workflow, run?.version],
  );
  const drawing: Drawing = useMemo(() => drawingOf(version.data?.definition), [version.data]);
  const { iterations, shown } = useMemo(
    () => iterationsOf(drawing, run, chosen),
    [drawing, run, chosen],
  );
  const overlay = useMemo(
    () => overlayOf(drawing, run, shown, events, now),
    [drawing, run, shown, events, now],
  );
  const waiting = useMemo(() => waitingFor(run, events), [run, events]);
  const tokens = useMemo(() => streamedText(events), [events]);
  const taken = useMemo(
    () => (drawing.kind === 'state-machine' ? takenTransitions(drawing, events) : undefined),
    [drawing, events],
  );
  const onIteration = useCallback(
    (group: string, i: number) => setChosen((c) => ({ ...c, [group]: i })),
    [],
  );

  const act = (path: string, body?: unknown) => {
    setBusy(true);
    setActionError(undefined);
    return api<Run>(`${runUrl}/${path}`, { method: 'POST', json: body ?? {} }).then(
      (r) => {
        setBusy(false);
        setRun(r);
        setGeneration((g) => g + 1);
        return true;
      },
      (e: unknown) => {
        setBusy(false);
        setActionError(e);
        return false;
      },
    );
  };

  const gone =
    (loadError instanceof ApiError && loadError.status === 404) ||
    (streamError instanceof ApiError && streamError.status === 404);
  if (gone)
    return (
      <ErrorBox
        error={new ApiError(404, 'not_found', `Run ${id} is not there (any more).`)}
        what={`Run ${id}`}
      />
    );
  if (run === undefined) {
    if (loadError !== undefined)
      return <ErrorBox error={loadError} what={`run ${id}`} onRetry={() => void refresh()} />;
    return <p className="muted">Loading run…</p>;
  }

  const box = drawing.boxes.find((b) => b.id === selected);
  const canRetryFrom = box !== undefined && box.parent === undefined && drawing.kind === 'graph';
  const retryable = run.status === 'failed' || run.status === 'cancelled';

  return (
    <section>
      <div className="page-head">
        <h1>
          Run <span className="mono">{run.id}</span>
        </h1>
        <StatusBadge status={run.status} />
      </div>
      <p className="muted">
        <a href={href('workflows', run.workflow)}>{run.workflow}</a> v{run.version} · created{' '}
        <When at={run.created_at} />
        {run.started_at != null && ` · ${formatDuration(durationMs(run, now))}`}
        {run.parent_run_id !== undefined && (
          <>
            {' '}
            · child of{' '}
            <a href={href('runs', run.parent_run_id)}>{run.parent_run_id.slice(0, 13)}…</a>
          </>
        )}
        {run.state !== undefined && (
          <>
            {' '}
            · state <strong data-testid="machine-state">{run.state}</strong>
          </>
        )}
      </p>
      {!connected && !finished && (
        <p className="warning" role="status">
          The live stream is cut: reconnecting…
        </p>
      )}
      {loadError !== undefined && <ErrorBox error={loadError} what="the latest state of the run" />}
      {streamError !== undefined && <ErrorBox error={streamError} what="the run's events" />}
      <div className="toolbar" role="toolbar" aria-label="Run controls">
        {(run.status === 'running' || run.status === 'waiting') && (
          <button type="button" disabled={busy} onClick={() => void act('pause')}>
            Pause
          </button>
        )}
        {run.status === 'paused' && (
          <button type="button" disabled={busy} onClick={() => void act('resume')}>
            Resume
          </button>
        )}
        {!finished && (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void act('cancel', { reason: 'cancelled from the console' })}
          >
            Cancel
          </button>
        )}
        {retryable && (
          <button type="button" disabled={busy} onClick={() => void act('retry')}>
            Retry
          </button>
        )}
        {retryable && (
          <button
            type="button"
            disabled={busy || !canRetryFrom}
            title={canRetryFrom ? undefined : 'Select a top-level node in the graph first'}
            onClick={() => box !== undefined && void act('retry', { from: box.segments[0] })}
          >
            Retry from {canRetryFrom ? box.label : 'selected node'}
          </button>
        )}
      </div>
      {actionError !== undefined && <ErrorBox error={actionError} />}
      {waiting.length > 0 && (
        <div className="answer-box" role="region" aria-label="Waiting for an answer">
          {waiting.map((w) => (
            <div key={w.path}>
              <h2>
                Waiting for an answer: <span className="mono">{w.path}</span>
              </h2>
              <p className="prompt">{w.prompt}</p>
              {w.timeoutAt !== undefined && (
                <p className="muted">
                  Times out <When at={w.timeoutAt} />
                </p>
              )}
              <SchemaForm
                name={`Answer to ${w.path}`}
                schema={w.schema ?? {}}
                submitLabel="Send answer"
                busy={busy}
                onSubmit={(value) => void act('input', { node: w.path, value })}
              />
            </div>
          ))}
        </div>
      )}
      {run.accepts !== undefined && run.accepts.length > 0 && (
        <MachineEvents
          accepts={run.accepts}
          busy={busy}
          send={(type, data) => act('events', { type, ...(data === undefined ? {} : { data }) })}
        />
      )}
      <div className="split">
        <div className="split-main">
          {version.error !== undefined ? (
            <ErrorBox
              error={version.error}
              what={`the definition of ${run.workflow} v${run.version}`}
            />
          ) : (
            <GraphView
              drawing={drawing}
              overlay={overlay}
              selected={selected}
              onSelect={setSelected}
              iterations={iterations}
              onIteration={onIteration}
              {...(taken === undefined ? {} : { taken })}
              label={`Run ${run.id} of ${run.workflow}`}
            />
          )}
        </div>
        <aside className="split-side" aria-label="Details">
          {box === undefined ? (
            <RunSummary run={run} />
          ) : (
            <NodePanel
              key={box.id}
              drawing={drawing}
              box={box}
              run={run}
              path={runPathOf(box, shown)}
              shown={shown}
              tokens={tokens}
              now={now}
              onClose={() => setSelected(undefined)}
            />
          )}
        </aside>
      </div>
      <EventLog events={events} />
    </section>
  );
}

function durationMs(run: Run, now: number): number | undefined {
  if (run.started_at == null) return undefined;
  return (run.finished_at == null ? now : Date.parse(run.finished_at)) - Date.parse(run.started_at);
}

function RunSummary({ run }: { run: Run }) {
  return (
    <div>
      <h2>Run</h2>
      <p className="muted">Select a node in the graph to see its output, error and timings.</p>
      <h3>Input</h3>
      <pre className="code">{json(run.input)}</pre>
      {run.output !== null && run.output !== undefined && (
        <>
          <h3>Output</h3>
          <pre className="code">{json(run.output)}</pre>
        </>
      )}
      {run.error !== null && (
        <>
          <h3>Error</h3>
          <ErrorChain error={run.error} />
        </>
      )}
      {run.context !== undefined && (
        <>
          <h3>Context</h3>
          <pre className="code">{json(run.context)}</pre>
        </>
      )}
    </div>
  );
}

function MachineEvents({
  accepts,
  busy,
  send,
}: {
  accepts: string[];
  busy: boolean;
  send: (type: string, data: unknown) => Promise<boolean>;
}) {
  const [data, setData] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  return (
    <div className="machine-events" role="region" aria-label="Send an event">
      <h2>Send an event</h2>
      <label htmlFor="event-data">Data (JSON, optional)</label>
      <textarea id="event-data" rows={2} value={data} onChange={(e) => setData(e.target.value)} />
      <div className="toolbar">
        {accepts.map((type) => (
          <button
            key={type}
            type="button"
            disabled={busy}
            onClick={() => {
              let parsed: unknown;
              try {
                parsed = data.trim() === '' ? undefined : JSON.parse(data);
              } catch (e) {
                return setProblem(`The data is not JSON: ${messageOf(e)}`);
              }
              setProblem(undefined);
              void send(type, parsed).then((ok) => ok && setData(''));
            }}
          >
            {type}
          </button>
        ))}
      </div>
      {problem !== undefined && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
