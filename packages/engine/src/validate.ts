/**
 * @module validate
 * The one validation of a definition: the language's rules (core's parser and validator) plus what
 * only the engine knows (cron schedules). Pure: it opens no store, so `weft validate` and `weft run`
 * can refuse a definition before any database exists, with the same answer as `Engine.validate`
 * and `POST /v1/workflows`.
 */
import {
  NodeRegistry,
  parseDefinition,
  validateDefinition,
  type DslLimits,
  type ParseResult,
  type WorkflowDefinition,
} from '@weft/core';
import { standardNodes } from '@weft/nodes';
import { serverlessWorkflow } from '@weft/serverless-workflow';
import { cronDiagnostics } from './triggers/cron.js';

export interface ValidateOptions {
  /** The node types a definition may use. @default the standard nodes */
  registry?: NodeRegistry;
  limits?: Partial<DslLimits>;
  /** How to read text. @default guessed from the text */
  format?: 'yaml' | 'json';
  /** Epoch ms that cron schedules are checked from. @default Date.now() */
  now?: number;
}

/** Parses and validates definition text (YAML or JSON) or an object. */
export function validateWorkflow(
  source: string | object,
  options: ValidateOptions = {},
): ParseResult {
  const now = options.now ?? Date.now();
  const common = {
    registry: options.registry ?? new NodeRegistry(standardNodes),
    check: (definition: WorkflowDefinition) => cronDiagnostics(definition, now),
    // Serverless Workflow 1.0 documents compile to Weft graphs wherever a definition enters.
    dialects: [serverlessWorkflow],
    ...(options.limits ? { limits: options.limits } : {}),
  };
  return typeof source === 'string'
    ? parseDefinition(source, { ...common, ...(options.format ? { format: options.format } : {}) })
    : validateDefinition(source, common);
}
