/** The Dify DSL files of fixtures/dify/, modelled on Dify's exports. */
import { readFileSync } from 'node:fs';

export const difyFixture = (name: 'chatflow' | 'triage' | 'orders' | 'batch' | 'workflow-tool') =>
  readFileSync(new URL(`./fixtures/dify/${name}.yml`, import.meta.url), 'utf8');
