/**
 * @module languages
 * The languages a code node may name, and the check of a source's syntax that can be made without
 * running it (when the workflow is validated).
 */
import { checkJavaScriptSyntax, type SyntaxProblem } from './javascript/syntax.js';

export const LANGUAGES = ['javascript', 'python'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The source's syntax error, when one can be found before it runs; else undefined. */
export function checkSyntax(language: Language, source: string): SyntaxProblem | undefined {
  return language === 'javascript' ? checkJavaScriptSyntax(source) : undefined;
}

export type { SyntaxProblem };
