/** A short glyph per node type, drawn in the type's colour (styles.css, `.type-*`). */
const GLYPHS: Readonly<Record<string, string>> = {
  set: '=',
  transform: 'ƒ',
  noop: '·',
  fail: '✕',
  if: '?',
  switch: '⋔',
  foreach: '∀',
  loop: '↻',
  wait: '◷',
  human: '☺',
  subworkflow: '⊞',
  message: '✉',
  end: '■',
  output: '■',
  http: '⇄',
  llm: '✦',
  agent: '★',
  code: '{}',
  tool: '⚙',
  memory: '≣',
  knowledge: '⌕',
  state: '○',
  start: '●',
};

export function iconOf(type: string): string {
  return GLYPHS[type] ?? type.slice(0, 2).toUpperCase();
}
