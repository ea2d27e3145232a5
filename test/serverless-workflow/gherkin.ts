/**
 * A small Gherkin reader for the conformance kit's features: `Feature`, `Scenario`, steps
 * (`Given`/`When`/`Then`/`And`/`But`) and their doc strings (`"""yaml ... """`), indentation
 * removed as Gherkin does. Nothing else of Gherkin appears in the kit.
 */
export interface Step {
  keyword: string;
  text: string;
  docString?: string;
  line: number;
}

export interface Scenario {
  feature: string;
  name: string;
  steps: Step[];
}

export function parseFeature(text: string): Scenario[] {
  const lines = text.split(/\r?\n/);
  const scenarios: Scenario[] = [];
  let feature = '';
  let current: Scenario | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const f = /^Feature:\s*(.*)$/.exec(trimmed);
    if (f !== null) {
      feature = f[1] ?? '';
      continue;
    }
    const s = /^Scenario(?: Outline)?:\s*(.*)$/.exec(trimmed);
    if (s !== null) {
      current = { feature, name: s[1] ?? '', steps: [] };
      scenarios.push(current);
      continue;
    }
    const step = /^(Given|When|Then|And|But)\s+(.*)$/.exec(trimmed);
    if (step !== null && current !== undefined) {
      const st: Step = { keyword: step[1] ?? '', text: step[2] ?? '', line: i + 1 };
      const next = lines[i + 1]?.trim() ?? '';
      if (next.startsWith('"""')) {
        const indent = (lines[i + 1] ?? '').indexOf('"""');
        const body: string[] = [];
        let j = i + 2;
        for (; j < lines.length && !(lines[j] ?? '').trim().startsWith('"""'); j++) {
          body.push((lines[j] ?? '').slice(Math.min(indent, leading(lines[j] ?? ''))));
        }
        st.docString = body.join('\n');
        i = j;
      }
      current.steps.push(st);
    }
  }
  return scenarios;
}

const leading = (line: string): number => line.length - line.trimStart().length;
