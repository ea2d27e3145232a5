/**
 * A plain text area with a line-numbered gutter whose lines carry the problems found in the text
 * (from the API's `details`: line and column). A heavy editor is not needed for one YAML file; this
 * one is keyboard-native and accessible as it is. `jumpTo` moves the caret to a problem.
 */
import { forwardRef, useImperativeHandle, useRef } from 'react';
import type { Detail } from '../api';

export interface CodeEditorHandle {
  jumpTo(line: number, column: number): void;
}

export const CodeEditor = forwardRef<
  CodeEditorHandle,
  {
    value: string;
    onChange: (v: string) => void;
    problems: Detail[];
    label: string;
    describedBy?: string;
  }
>(function CodeEditor(p, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  useImperativeHandle(ref, () => ({
    jumpTo(line, column) {
      const t = area.current;
      if (t === null) return;
      const lines = t.value.split('\n');
      let at = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i]!.length + 1;
      at += Math.max(0, column - 1);
      t.focus();
      t.setSelectionRange(at, at);
      const lineHeight = parseFloat(getComputedStyle(t).lineHeight) || 20;
      t.scrollTop = Math.max(0, (line - 5) * lineHeight);
    },
  }));
  const byLine = new Map<number, string[]>();
  for (const d of p.problems) {
    if (d.line === undefined) continue;
    byLine.set(d.line, [
      ...(byLine.get(d.line) ?? []),
      `${d.path === '' ? '' : `${d.path}: `}${d.message}`,
    ]);
  }
  const count = p.value.split('\n').length;
  return (
    <div className="code-editor">
      <div className="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: count }, (_, i) => {
          const messages = byLine.get(i + 1);
          return (
            <div
              key={i}
              className={messages === undefined ? 'ln' : 'ln marked'}
              title={messages?.join('\n')}
              data-marker={messages === undefined ? undefined : i + 1}
            >
              {messages !== undefined && <span className="marker">●</span>}
              {i + 1}
            </div>
          );
        })}
      </div>
      <textarea
        ref={area}
        aria-label={p.label}
        aria-invalid={p.problems.length > 0}
        aria-describedby={p.describedBy}
        spellCheck={false}
        wrap="off"
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current !== null) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onKeyDown={(e) => {
          // Tab indents (YAML wants spaces); Escape then Tab leaves the editor, as usual for editors.
          if (e.key !== 'Tab' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
          const t = e.currentTarget;
          if (t.dataset['escaped'] === '1') return;
          e.preventDefault();
          const { selectionStart: s, selectionEnd: end } = t;
          const next = `${t.value.slice(0, s)}  ${t.value.slice(end)}`;
          p.onChange(next);
          requestAnimationFrame(() => t.setSelectionRange(s + 2, s + 2));
        }}
        onKeyUp={(e) => {
          e.currentTarget.dataset['escaped'] = e.key === 'Escape' ? '1' : '0';
        }}
      />
    </div>
  );
});
