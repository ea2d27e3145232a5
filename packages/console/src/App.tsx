/**
 * The console's frame: the key (asked once per tab), the navigation, the theme, and the page of
 * the route. Pages load lazily, so the first load carries only what the first page needs.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, ApiError, onKeyRefused, session } from './api';
import { href, useRoute } from './hooks';
import { KeyPage } from './pages/KeyPage';
import { applyTheme, initialTheme, type Theme } from './theme';

const WorkflowsPage = lazy(() => import('./pages/WorkflowsPage'));
const WorkflowPage = lazy(() => import('./pages/WorkflowPage'));
const RunsPage = lazy(() => import('./pages/RunsPage'));
const RunPage = lazy(() => import('./pages/RunPage'));
const EditorPage = lazy(() => import('./pages/EditorPage'));

type Access =
  { state: 'checking' } | { state: 'key'; reason?: string } | { state: 'in'; open: boolean };

export function App() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => applyTheme(theme, false), [theme]);
  const [access, setAccess] = useState<Access>(() =>
    session.key() !== null ? { state: 'in', open: session.key() === '' } : { state: 'checking' },
  );

  // Without a key, ask whether the server is open (no keys configured): then none is needed.
  useEffect(() => {
    if (access.state !== 'checking') return;
    api('/v1/workflows', { key: '' }).then(
      () => {
        session.setKey('');
        setAccess({ state: 'in', open: true });
      },
      (e: unknown) =>
        setAccess(
          e instanceof ApiError && e.code === 'unreachable'
            ? { state: 'key', reason: e.message }
            : { state: 'key' },
        ),
    );
  }, [access.state]);

  useEffect(
    () =>
      onKeyRefused((e) => {
        session.forget();
        setAccess({
          state: 'key',
          reason: `The server refused the key (${e.message}): it is wrong or was revoked. Enter another.`,
        });
      }),
    [],
  );

  const route = useRoute();
  const section = route.parts[0] ?? 'workflows';

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href('workflows')}>
          <span className="logo" aria-hidden="true">
            ▦
          </span>
          Weft
        </a>
        {access.state === 'in' && (
          <nav aria-label="Sections">
            <a href={href('workflows')} aria-current={section === 'workflows' ? 'page' : undefined}>
              Workflows
            </a>
            <a href={href('runs')} aria-current={section === 'runs' ? 'page' : undefined}>
              Runs
            </a>
            <a href={href('editor')} aria-current={section === 'editor' ? 'page' : undefined}>
              Editor
            </a>
          </nav>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="ghost"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => {
            const next = theme === 'dark' ? 'light' : 'dark';
            applyTheme(next, true);
            setTheme(next);
          }}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        {access.state === 'in' && !access.open && (
          <button
            type="button"
            className="ghost"
            onClick={() => {
              session.forget();
              setAccess({ state: 'key' });
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {access.state === 'checking' && <p className="muted">Connecting…</p>}
        {access.state === 'key' && (
          <KeyPage
            reason={access.reason}
            onKey={(key) => {
              session.setKey(key);
              setAccess({ state: 'in', open: false });
            }}
          />
        )}
        {access.state === 'in' && (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Page parts={route.parts} query={route.query} />
          </Suspense>
        )}
      </main>
    </>
  );
}

function Page({ parts, query }: { parts: string[]; query: URLSearchParams }) {
  const [section = 'workflows', id] = parts;
  switch (section) {
    case 'workflows':
      return id === undefined ? (
        <WorkflowsPage />
      ) : (
        <WorkflowPage id={id} version={query.get('v') ?? undefined} />
      );
    case 'runs':
      return id === undefined ? <RunsPage query={query} /> : <RunPage id={id} />;
    case 'editor':
      return <EditorPage id={id} />;
    default:
      return (
        <p className="error" role="alert">
          No page at #{parts.join('/')}. <a href={href('workflows')}>Go to the workflows</a>.
        </p>
      );
  }
}
