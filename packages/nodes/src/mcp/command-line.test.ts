import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './command-line.js';

describe('splitCommandLine', () => {
  it('splits words as a shell does, keeping quoted spaces and escapes', () => {
    expect(
      splitCommandLine(`npx -y "@scope/server" --root '/my files' a\\ b "say \\"hi\\""`),
    ).toEqual(['npx', '-y', '@scope/server', '--root', '/my files', 'a b', 'say "hi"']);
  });

  it('expands nothing: variables, globs, pipes and separators stay words', () => {
    expect(splitCommandLine('server $HOME *.js; rm -rf / | cat')).toEqual([
      'server',
      '$HOME',
      '*.js;',
      'rm',
      '-rf',
      '/',
      '|',
      'cat',
    ]);
  });

  it('keeps an empty quoted argument', () => {
    expect(splitCommandLine(`server "" x`)).toEqual(['server', '', 'x']);
  });

  it('refuses an unclosed quote and an empty line', () => {
    expect(() => splitCommandLine(`server "oops`)).toThrow(/unclosed " quote/);
    expect(() => splitCommandLine('   ')).toThrow(/empty/);
  });
});
