/**
 * @module genai-telemetry
 * Model and tool calls, read from the `node.step` events that `llm` and `agent` nodes record: a
 * span per call (OpenTelemetry GenAI semantic conventions: operation, model, tokens, finish
 * reason, tool name), child of its node's span and timed from the node's previous step, and token
 * counters for `/metrics`. A step is a model call when its result carries a model and usage (steps
 * named `model...`), a tool call when it is named `tool:<name>`.
 */
import { ROOT_CONTEXT, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { RunEventOf } from '@weft/core';
import { Counter, type Registry } from 'prom-client';

interface ModelAnswer {
  model: string;
  finish_reason?: string;
  usage: {
    prompt_tokens?: number;
    completion_tokens?: number;
    cached_tokens?: number;
  };
}

function modelAnswer(name: string, value: unknown): ModelAnswer | undefined {
  if (!name.startsWith('model') || typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<ModelAnswer>;
  return typeof v.model === 'string' && typeof v.usage === 'object' && v.usage !== null
    ? (v as ModelAnswer)
    : undefined;
}

const count = (n: unknown): number =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;

export class GenAiTelemetry {
  readonly #tracer: Tracer;
  readonly #tokens: Counter<'tenant' | 'model' | 'type'>;
  readonly #calls: Counter<'tenant' | 'kind' | 'name'>;

  constructor(tracer: Tracer, registry: Registry) {
    this.#tracer = tracer;
    this.#tokens = new Counter({
      name: 'weft_model_tokens_total',
      help: 'Model tokens spent by llm and agent nodes, by tenant, model and type (input, output, cached input)',
      labelNames: ['tenant', 'model', 'type'],
      registers: [registry],
    });
    this.#calls = new Counter({
      name: 'weft_model_tool_calls_total',
      help: 'Model calls (kind=model, name=model) and tool calls (kind=tool, name=tool) recorded by llm and agent nodes, by tenant',
      labelNames: ['tenant', 'kind', 'name'],
      registers: [registry],
    });
  }

  /**
   * A recorded step of a node: counted, and a span from `since` (the node's start or previous
   * step) to the event, under `parent` (the node's span) when there is one.
   */
  step(e: RunEventOf<'node.step'>, tenant: string, parent: Span | undefined, since: number): void {
    const at = Date.parse(e.at);
    const { name, value } = e.data;
    const answer = modelAnswer(name, value);
    if (answer !== undefined) {
      const input = count(answer.usage.prompt_tokens);
      const output = count(answer.usage.completion_tokens);
      const cached = count(answer.usage.cached_tokens);
      const model = answer.model;
      this.#calls.inc({ tenant, kind: 'model', name: model });
      if (input > 0) this.#tokens.inc({ tenant, model, type: 'input' }, input);
      if (output > 0) this.#tokens.inc({ tenant, model, type: 'output' }, output);
      if (cached > 0) this.#tokens.inc({ tenant, model, type: 'cached_input' }, cached);
      this.#span(`chat ${model}`, parent, since, at, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': model,
        'gen_ai.response.model': model,
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
        ...(answer.finish_reason === undefined
          ? {}
          : { 'gen_ai.response.finish_reasons': [answer.finish_reason] }),
        'weft.node.path': e.node,
      });
      return;
    }
    if (name.startsWith('tool:')) {
      const tool = name.slice('tool:'.length);
      this.#calls.inc({ tenant, kind: 'tool', name: tool });
      this.#span(`execute_tool ${tool}`, parent, since, at, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool,
        'weft.node.path': e.node,
      });
    }
  }

  #span(
    name: string,
    parent: Span | undefined,
    start: number,
    end: number,
    attributes: Record<string, string | number | string[]>,
  ): void {
    const ctx = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent);
    const span = this.#tracer.startSpan(name, { startTime: Math.min(start, end), attributes }, ctx);
    span.end(end);
  }
}
