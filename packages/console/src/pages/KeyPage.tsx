/** Asks for an API key once per browser tab, and tries it before keeping it. */
import { useState } from 'react';
import { api, ApiError } from '../api';

export function KeyPage({
  reason,
  onKey,
}: {
  reason?: string | undefined;
  onKey: (key: string) => void;
}) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | undefined>(reason);
  const [busy, setBusy] = useState(false);
  return (
    <section className="key-page">
      <h1>Connect to Weft</h1>
      <p className="muted">
        Enter an API key of your tenant (<code>weft keys create --tenant T</code>, or one of{' '}
        <code>WEFT_API_KEYS</code>). It is kept in this tab's session storage only and sent to this
        server alone.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const k = key.trim();
          if (k === '') return setProblem('Enter a key.');
          setBusy(true);
          api('/v1/workflows', { key: k }).then(
            () => onKey(k),
            (err: unknown) => {
              setBusy(false);
              setProblem(
                err instanceof ApiError && err.status === 401
                  ? 'The server refused this key: it is wrong or was revoked.'
                  : err instanceof Error
                    ? err.message
                    : String(err),
              );
            },
          );
        }}
      >
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Connect'}
        </button>
      </form>
      {problem !== undefined && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
