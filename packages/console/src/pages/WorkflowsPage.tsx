/** The tenant's workflows, searchable by id and name. */
import { useState } from 'react';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { href, useLoad } from '../hooks';
import type { WorkflowSummary } from '../types';
import { When } from '../components/When';

export default function WorkflowsPage() {
  const list = useLoad(
    (signal) => api<{ workflows: WorkflowSummary[] }>('/v1/workflows', { signal }),
    [],
  );
  const [search, setSearch] = useState('');
  const q = search.trim().toLowerCase();
  const shown = (list.data?.workflows ?? []).filter(
    (w) => q === '' || w.id.toLowerCase().includes(q) || (w.name ?? '').toLowerCase().includes(q),
  );
  return (
    <section>
      <div className="page-head">
        <h1>Workflows</h1>
        <a className="button primary" href={href('editor')}>
          New workflow
        </a>
      </div>
      <label htmlFor="wf-search" className="sr-only">
        Search workflows
      </label>
      <input
        id="wf-search"
        type="search"
        placeholder="Search by id or name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {list.error !== undefined && (
        <ErrorBox error={list.error} what="the workflows" onRetry={list.reload} />
      )}
      {list.loading && list.data === undefined && <p className="muted">Loading…</p>}
      {list.data !== undefined && (
        <table className="list" aria-label="Workflows">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Latest version</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((w) => (
              <tr key={w.id}>
                <td>
                  <a href={href('workflows', w.id)}>{w.id}</a>
                </td>
                <td>{w.name ?? ''}</td>
                <td>v{w.latest_version}</td>
                <td>
                  <When at={w.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data !== undefined && shown.length === 0 && (
        <p className="muted">
          {list.data.workflows.length === 0 ? (
            <>
              No workflows yet: <a href={href('editor')}>write one in the editor</a> or publish with{' '}
              <code>weft publish</code>.
            </>
          ) : (
            'No workflow matches.'
          )}
        </p>
      )}
    </section>
  );
}
