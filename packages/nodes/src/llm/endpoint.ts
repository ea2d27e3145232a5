/**
 * @module llm/endpoint
 * Where a model call goes: the base URL and key of a credential of type `openai`, or, when none is
 * named, of `OPENAI_BASE_URL` / `OPENAI_API_KEY`.
 */
import { WeftError, type NodeContext } from '@weft/core/plugin';

export interface Endpoint {
  baseUrl: string;
  apiKey: string;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * Resolves the endpoint of `credential`, or of the environment when it is undefined.
 * @throws WeftError `invalid_params` (a credential of another type), `invalid_config` (no
 *   credential named and neither variable set), or the resolver's `credential_not_found`.
 */
export async function resolveEndpoint(
  ctx: NodeContext,
  credential: string | undefined,
): Promise<Endpoint> {
  if (credential !== undefined) {
    const value = await ctx.credentials.get(credential);
    if (value.type !== 'openai') {
      throw new WeftError(
        'invalid_params',
        `${ctx.path}: credential "${credential}" is of type ${value.type}; a model call needs one of type openai`,
      );
    }
    return { baseUrl: value.base_url, apiKey: value.api_key };
  }
  const apiKey = process.env['OPENAI_API_KEY'];
  const baseUrl = process.env['OPENAI_BASE_URL'];
  if (apiKey === undefined && baseUrl === undefined) {
    throw new WeftError(
      'invalid_config',
      `${ctx.path}: no credential named and neither OPENAI_API_KEY nor OPENAI_BASE_URL is set; ` +
        'name a credential of type openai (weft credentials set NAME --type openai ...) or set them',
    );
  }
  // A local OpenAI-compatible server may take no key.
  return { baseUrl: baseUrl ?? OPENAI_BASE_URL, apiKey: apiKey ?? '' };
}
