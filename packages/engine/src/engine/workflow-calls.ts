/**
 * @module engine/workflow-calls
 * Stored workflows called from inside a node (`ctx.services.workflows`: an agent's workflow
 * tools). A call is a run of its own in the caller's tenant, started under the call's idempotency
 * key: a call made again after a crash finds the run the first one started and waits for it.
 */
import { WeftError, type Store, type WorkflowCalls, type WorkflowSummaryForCall } from '@weft/core';
import type { Definitions } from './definitions.js';
import type { Starts } from './starts.js';
import type { Watch } from './watch.js';

export interface WorkflowCallsDeps {
  store: Store;
  definitions: Pick<Definitions, 'resolve'>;
  starts: Pick<Starts, 'start'>;
  watch: Pick<Watch, 'wait'>;
}

export function workflowCalls(deps: WorkflowCallsDeps): WorkflowCalls {
  const tenantOf = async (runId: string): Promise<string> => {
    const run = await deps.store.getRun(runId);
    if (run === undefined) throw new WeftError('not_found', `no run ${runId}`);
    return run.tenant;
  };
  return {
    async describe(runId, workflow, version): Promise<WorkflowSummaryForCall> {
      const tenant = await tenantOf(runId);
      const ref = await deps.definitions.resolve(workflow, tenant, version);
      const stored = await deps.store.getWorkflow(tenant, ref.id, ref.version);
      if (stored === undefined) throw new WeftError('not_found', `no workflow "${workflow}"`);
      const { name, description, inputs } = stored.definition;
      return {
        id: ref.id,
        version: ref.version,
        ...(name === undefined ? {} : { name }),
        ...(description === undefined ? {} : { description }),
        ...(inputs === undefined ? {} : { inputs: inputs }),
      };
    },

    async call(runId, request) {
      const tenant = await tenantOf(runId);
      const started = await deps.starts.start(request.workflow, {
        tenant,
        input: request.input,
        idempotencyKey: request.key,
        ...(request.version === undefined ? {} : { version: request.version }),
      });
      const stopped = new Promise<never>((_, reject) => {
        if (request.signal.aborted) reject(request.signal.reason);
        request.signal.addEventListener('abort', () => reject(request.signal.reason), {
          once: true,
        });
      });
      const view = await Promise.race([
        deps.watch.wait(started.id, { until: 'finished' }),
        stopped,
      ]);
      if (view.status === 'succeeded') return view.output;
      const error = view.error ?? undefined;
      throw new WeftError(
        'child_failed',
        `workflow "${request.workflow}" (run ${started.id}) ${view.status}${error === undefined ? '' : `: ${error.code}: ${error.message}`}`,
        {
          details: {
            run_id: started.id,
            status: view.status,
            ...(error === undefined ? {} : { error }),
          },
        },
      );
    },
  };
}
