/**
 * One registry of credential types: every type the sources and docs write is declared in it, and
 * the engine's checks and the API's schema accept exactly its types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REGISTRY,
  CREDENTIAL_TYPES,
  credentialFields,
  isCredentialType,
} from '@weft/core';
import { checkCredential } from '../../packages/engine/src/credentials/shapes.js';
import { CredentialBody } from '../../packages/server/src/schemas.js';
import { findAll, packageSources, type SourceFile } from './sources.js';

const docs: SourceFile[] = readdirSync(new URL('../../docs/', import.meta.url))
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({
    path: `docs/${f}`,
    text: readFileSync(new URL(`../../docs/${f}`, import.meta.url), 'utf8'),
  }));

/** A valid value of each type, from the registry's examples. */
const sample = (type: string) => ({
  type,
  ...Object.fromEntries(
    Object.entries(credentialFields(type as never)).map(([f, spec]) => [
      f,
      spec.example ?? `sample-${f}`,
    ]),
  ),
});

describe('credential types', () => {
  it('declares every credential type the sources and docs write', () => {
    const fieldNames = new Set(
      Object.values(CREDENTIAL_REGISTRY).flatMap((t) => Object.keys(t.fields)),
    );
    const field = [...fieldNames].join('|');
    const written = [
      ...findAll(
        [...packageSources(), ...docs],
        new RegExp(`\\{\\s*"?type"?:\\s*['"]([a-z_]+)['"],\\s*"?(?:${field})"?:`, 'g'),
      ),
    ];
    expect(written.length).toBeGreaterThan(0);
    const undeclared = written.filter((w) => !isCredentialType(w.value));
    expect(undeclared.map((w) => `${w.where} ${w.value}`)).toEqual([]);
  });

  it('has the engine accept exactly the declared types', () => {
    for (const type of CREDENTIAL_TYPES)
      expect(checkCredential(sample(type))).toEqual(sample(type));
    expect(() => checkCredential({ type: 'oauth', value: 'x' })).toThrow(
      `type must be one of ${CREDENTIAL_TYPES.join(', ')}`,
    );
  });

  it('has the API schema accept exactly the declared types, with their fields', () => {
    for (const type of CREDENTIAL_TYPES) {
      expect(CredentialBody.safeParse(sample(type)).success, type).toBe(true);
      expect(CredentialBody.safeParse({ ...sample(type), extra: 'x' }).success, type).toBe(false);
    }
    expect(CredentialBody.safeParse({ type: 'oauth', value: 'x' }).success).toBe(false);
  });

  it('marks at least one field of every type secret', () => {
    for (const type of CREDENTIAL_TYPES) {
      expect(
        Object.values(credentialFields(type)).some((f) => f.secret),
        type,
      ).toBe(true);
    }
  });
});
