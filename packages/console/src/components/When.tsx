/** A time as "3 min ago", the exact one in its tooltip and for screen readers' `dateTime`. */
export function ago(at: string | null | undefined): string {
  if (at === null || at === undefined) return '';
  const s = (Date.now() - Date.parse(at)) / 1000;
  if (s < 5) return 'just now';
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

export function When({ at }: { at: string | null | undefined }) {
  if (at === null || at === undefined) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {ago(at)}
    </time>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {status}
    </span>
  );
}
