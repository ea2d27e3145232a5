/** Light and dark: the system's choice until the user picks one (kept in local storage). */
export type Theme = 'light' | 'dark';
const ITEM = 'weft.theme';

export function initialTheme(): Theme {
  const saved = localStorage.getItem(ITEM);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(t: Theme, save: boolean): void {
  document.documentElement.dataset['theme'] = t;
  if (save) localStorage.setItem(ITEM, t);
}
