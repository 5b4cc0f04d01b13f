/** Which model slugs an account may use (free vs plus), and GET /models. */
import { sendJson } from '../http-util.js';
import type { RouteContext } from '../route-context.js';
import type { AccountRecord } from '../state.js';

interface ModelEntry {
  slug: string;
  title: string;
  max_tokens: number;
  plusOnly: boolean;
}

const MODELS: ModelEntry[] = [
  { slug: 'auto', title: 'Auto', max_tokens: 8191, plusOnly: false },
  { slug: 'gpt-4o-mini', title: 'GPT-4o mini', max_tokens: 8191, plusOnly: false },
  { slug: 'text-davinci-002-render-sha', title: 'Default (GPT-3.5)', max_tokens: 8191, plusOnly: false },
  { slug: 'gpt-4o', title: 'GPT-4o', max_tokens: 32767, plusOnly: true },
  { slug: 'gpt-5', title: 'GPT-5', max_tokens: 32767, plusOnly: true },
  { slug: 'o3', title: 'o3', max_tokens: 32767, plusOnly: true },
];

export function modelAllowed(account: AccountRecord, slug: string): boolean {
  const entry = MODELS.find((m) => m.slug === slug);
  return entry !== undefined && (!entry.plusOnly || account.plus);
}

export function handleModels(ctx: RouteContext, account: AccountRecord): void {
  const models = MODELS.filter((m) => !m.plusOnly || account.plus).map((m) => ({
    slug: m.slug,
    max_tokens: m.max_tokens,
    title: m.title,
    description: `Simulated ${m.title}`,
    tags: [],
    capabilities: {},
    product_features: {},
  }));
  sendJson(ctx.res, 200, { models, categories: [] });
}
