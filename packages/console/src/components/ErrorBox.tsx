/** An error as a person reads it: what happened, the API's code, and the problems it listed. */
import { ApiError } from '../api';

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function ErrorBox({
  error,
  what,
  onRetry,
}: {
  error: unknown;
  what?: string;
  onRetry?: () => void;
}) {
  const api = error instanceof ApiError ? error : undefined;
  let headline = what === undefined ? 'Something went wrong' : `Could not load ${what}`;
  if (api?.code === 'unreachable') headline = 'The server cannot be reached';
  else if (api?.status === 404) headline = `${what === undefined ? 'It' : what} was not found`;
  else if (api?.status === 401) headline = 'The server refused the API key';
  return (
    <div className="error-box" role="alert">
      <strong>{headline}</strong>
      <p>
        {api?.status === 404 && what !== undefined
          ? `It may have been deleted, or it belongs to another tenant. (${messageOf(error)})`
          : messageOf(error)}
      </p>
      {api !== undefined && api.details.length > 0 && (
        <ul>
          {api.details.map((d, i) => (
            <li key={i}>
              {d.line !== undefined && `${d.line}:${d.column ?? 1} `}
              {d.path !== '' && <code>{d.path}</code>} {d.message}
            </li>
          ))}
        </ul>
      )}
      {api !== undefined && api.code !== 'unreachable' && (
        <small className="muted">{api.code}</small>
      )}
      {onRetry !== undefined && (
        <p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </p>
      )}
    </div>
  );
}
