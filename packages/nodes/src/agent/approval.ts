/**
 * @module agent/approval
 * An approval before a tool call, asked with `ctx.ask` and answered as a `human` node is: approve,
 * reject with a reason, or approve with edited arguments.
 */
import { WeftError, type NodeContext } from '@weft/core';

/** JSON Schema of an approval's answer, carried by the node's `node.waiting` event. */
export const APPROVAL_SCHEMA = {
  type: 'object',
  required: ['approve'],
  properties: {
    approve: { type: 'boolean' },
    reason: { type: 'string', maxLength: 4096 },
    arguments: { type: 'object' },
  },
  additionalProperties: false,
} as const;

export type Verdict =
  { run: true; args: Record<string, unknown> } | { run: false; result: unknown };

interface Answer {
  approve: boolean;
  reason?: string;
  arguments?: Record<string, unknown>;
}

/** Asks whether the call may run; the answer was checked against {@link APPROVAL_SCHEMA}. */
export async function askApproval(
  ctx: NodeContext,
  call: { id: string; tool: string; args: Record<string, unknown> },
): Promise<Verdict> {
  const answer = (await ctx.ask(`approve:${call.id}`.slice(0, 200), {
    prompt: {
      text: `The agent wants to call ${call.tool}. Approve?`,
      tool: call.tool,
      arguments: call.args,
    },
    schema: { ...APPROVAL_SCHEMA },
  })) as Answer;
  if (typeof answer?.approve !== 'boolean') {
    throw new WeftError('invalid_answer', `the approval of ${call.tool} has no boolean approve`);
  }
  if (!answer.approve) {
    return {
      run: false,
      result: { rejected: true, reason: answer.reason ?? 'rejected by a person' },
    };
  }
  return { run: true, args: answer.arguments ?? call.args };
}
