/**
 * A form generated from a JSON Schema: one field per property of an object schema (text, number,
 * checkbox, a choice for `enum`), JSON text for anything else. Used for a run's input (the
 * workflow's `inputs`) and a human node's answer (its `schema`).
 */
import { useId, useState } from 'react';

type Json = Record<string, any>;

export interface SchemaFormProps {
  schema: unknown;
  submitLabel: string;
  busy?: boolean;
  onSubmit: (value: unknown) => void;
  /** Names the form for screen readers and tests. */
  name: string;
}

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function kindOf(s: Json): 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json' {
  if (Array.isArray(s['enum'])) return 'enum';
  const t = Array.isArray(s['type']) ? s['type'].find((x: unknown) => x !== 'null') : s['type'];
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return t;
  return 'json';
}

function initialText(s: Json): string {
  const d = s['default'];
  if (d === undefined) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

export function SchemaForm(p: SchemaFormProps) {
  const schema = isObject(p.schema) ? p.schema : {};
  const props = isObject(schema['properties']) ? schema['properties'] : undefined;
  const fieldsForm =
    props !== undefined && (schema['type'] === 'object' || schema['type'] === undefined);
  const required = new Set<string>(Array.isArray(schema['required']) ? schema['required'] : []);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    props === undefined
      ? {}
      : Object.fromEntries(
          Object.entries(props).map(([k, s]) => [k, isObject(s) ? initialText(s) : '']),
        ),
  );
  const [checks, setChecks] = useState<Record<string, boolean>>(() =>
    props === undefined
      ? {}
      : Object.fromEntries(
          Object.entries(props).map(([k, s]) => [k, isObject(s) && s['default'] === true]),
        ),
  );
  const [whole, setWhole] = useState(() =>
    schema['default'] === undefined
      ? schema['type'] === 'object'
        ? '{}'
        : ''
      : JSON.stringify(schema['default'], null, 2),
  );
  const [problem, setProblem] = useState<string | undefined>();
  const base = useId();

  const build = (): unknown => {
    if (!fieldsForm) {
      if (whole.trim() === '') return schema['type'] === 'object' ? {} : null;
      return JSON.parse(whole);
    }
    const value: Json = {};
    for (const [k, raw] of Object.entries(props)) {
      const s = isObject(raw) ? raw : {};
      const kind = kindOf(s);
      if (kind === 'boolean') {
        value[k] = checks[k] ?? false;
        continue;
      }
      const text = texts[k] ?? '';
      if (text === '' && !required.has(k)) continue;
      if (kind === 'string') value[k] = text;
      else if (kind === 'number' || kind === 'integer') {
        if (text.trim() === '' || Number.isNaN(Number(text)))
          throw new Error(`${k} must be a number`);
        value[k] = Number(text);
      } else if (kind === 'enum') {
        const options = s['enum'] as unknown[];
        value[k] = options.find((o) => JSON.stringify(o) === text || o === text) ?? text;
      } else {
        try {
          value[k] = JSON.parse(text);
        } catch {
          throw new Error(`${k} is not valid JSON`);
        }
      }
    }
    return value;
  };

  return (
    <form
      className="schema-form"
      aria-label={p.name}
      onSubmit={(e) => {
        e.preventDefault();
        try {
          const v = build();
          setProblem(undefined);
          p.onSubmit(v);
        } catch (err) {
          setProblem(err instanceof Error ? err.message : String(err));
        }
      }}
    >
      {fieldsForm ? (
        Object.entries(props).map(([k, raw]) => {
          const s = isObject(raw) ? raw : {};
          const kind = kindOf(s);
          const id = `${base}-${k}`;
          const title = typeof s['title'] === 'string' ? s['title'] : k;
          const hint = typeof s['description'] === 'string' ? s['description'] : undefined;
          return (
            <div className={`field field-${kind}`} key={k}>
              {kind === 'boolean' ? (
                <label htmlFor={id} className="check">
                  <input
                    id={id}
                    name={k}
                    type="checkbox"
                    checked={checks[k] ?? false}
                    onChange={(e) => setChecks({ ...checks, [k]: e.target.checked })}
                  />{' '}
                  {title}
                </label>
              ) : (
                <>
                  <label htmlFor={id}>
                    {title}
                    {required.has(k) && <span aria-hidden="true"> *</span>}
                    {kind === 'json' && <span className="muted"> (JSON)</span>}
                  </label>
                  {kind === 'enum' ? (
                    <select
                      id={id}
                      name={k}
                      value={texts[k] ?? ''}
                      required={required.has(k)}
                      onChange={(e) => setTexts({ ...texts, [k]: e.target.value })}
                    >
                      {!required.has(k) && <option value="">—</option>}
                      {(s['enum'] as unknown[]).map((o) => {
                        const v = typeof o === 'string' ? o : JSON.stringify(o);
                        return (
                          <option key={v} value={v}>
                            {v}
                          </option>
                        );
                      })}
                    </select>
                  ) : kind === 'json' ? (
                    <textarea
                      id={id}
                      name={k}
                      rows={3}
                      value={texts[k] ?? ''}
                      required={required.has(k)}
                      onChange={(e) => setTexts({ ...texts, [k]: e.target.value })}
                    />
                  ) : (
                    <input
                      id={id}
                      name={k}
                      type={kind === 'string' ? 'text' : 'number'}
                      step={kind === 'integer' ? 1 : 'any'}
                      value={texts[k] ?? ''}
                      required={required.has(k)}
                      onChange={(e) => setTexts({ ...texts, [k]: e.target.value })}
                    />
                  )}
                </>
              )}
              {hint !== undefined && <small className="muted">{hint}</small>}
            </div>
          );
        })
      ) : (
        <div className="field">
          <label htmlFor={`${base}-json`}>Value (JSON)</label>
          <textarea
            id={`${base}-json`}
            rows={5}
            value={whole}
            onChange={(e) => setWhole(e.target.value)}
          />
        </div>
      )}
      {problem !== undefined && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" className="primary" disabled={p.busy === true}>
        {p.submitLabel}
      </button>
    </form>
  );
}
