/** Shared setup of the /v1 suites: one ChatGPT-web and one OpenAI-kind account, routed by model. */
import OpenAI from 'openai';
import type { ModelRoute } from '../../../config/types.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

/** `auto` and the `web-mini` alias go to the ChatGPT-web account; `gpt-4o*` to the OpenAI one. */
export const V1_MODELS: ModelRoute[] = [
  { name: 'auto', kinds: ['chatgpt'], plus: false },
  { name: 'web-mini', kinds: ['chatgpt'], plus: false, upstream: { chatgpt: 'gpt-4o-mini' } },
  { name: 'gpt-4o-mini', kinds: ['openai'], plus: false },
  { name: 'gpt-4o', kinds: ['openai'], plus: true },
];

export const WEB_SECRET = 'tok-web-1';
export const API_SECRET = 'sk-sim-api-1';

export async function startV1Stack(
  config: NonNullable<Parameters<typeof startStack>[0]>['config'] = {},
): Promise<Stack> {
  return startStack({
    accounts: [{ name: 'web-1' }, { name: 'api-1', kind: 'openai' }],
    config: { models: V1_MODELS, ...config },
  });
}

export function clientFor(stack: Stack, apiKey: string, maxRetries = 0): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${stack.url}/v1`, maxRetries, timeout: 20_000 });
}

/** Upstream requests that carried a chat turn, by kind, since `from` in the simulator log. */
export function upstreamTurns(stack: Stack, from: number): { chatgpt: number; openai: number } {
  const entries = stack.sim.log.slice(from);
  return {
    chatgpt: entries.filter((e) => /\/conversation$/.test(e.path) && e.method === 'POST').length,
    openai: entries.filter((e) => e.path === '/v1/chat/completions').length,
  };
}

/** Polls until `check` returns a value, failing after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A message list of one user message. */
export const userAsks = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];
