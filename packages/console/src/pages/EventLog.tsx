/** The run's ordered event log, newest last; long logs show their latest 500 unless asked. */
import { useState } from 'react';
import type { RunEvent } from '../api';

const SHOWN = 500;

function summary(data: unknown): string {
  if (data === undefined) return '';
  const s = JSON.stringify(data);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

export function EventLog({ events }: { events: RunEvent[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? events : events.slice(-SHOWN);
  return (
    <section aria-label="Event log">
      <h2>Events</h2>
      {events.length > shown.length && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {events.length} events
        </button>
      )}
      <ol className="events" aria-live="polite">
        {shown.map((e) => (
          <li key={e.seq} data-type={e.type}>
            <span className="seq">{e.seq}</span>
            <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time>
            <span className={`etype etype-${e.type.split('.')[1] ?? e.type}`}>{e.type}</span>
            {e.node !== undefined && <span className="mono">{e.node}</span>}
            <span className="edata">{summary(e.data)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
