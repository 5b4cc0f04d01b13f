/**
 * GET /api/admin/usage: the daily usage counters (one row per UTC day, user and account),
 * filtered and summed by user, account or day, with totals.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { UsageDailyRow } from '../../../store/index.js';
import type { AppDeps } from '../../deps.js';
import { credentialFrom, parseInput, requestParams, text } from '../../input.js';

const day = text.pipe(
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'not a valid day'),
);

const usageQuery = z.object({
  from: day.optional(),
  to: day.optional(),
  user_id: text.pipe(z.string().trim().min(1).max(128)).optional(),
  account: text.pipe(z.string().trim().min(1).max(128)).optional(),
  group: text.pipe(z.enum(['day', 'user', 'account'])).default('day'),
});

type Group = z.infer<typeof usageQuery>['group'];

export interface UsageTotals {
  requests: number;
  failures: number;
  prompt_chars: number;
  reply_chars: number;
  prompt_tokens: number;
  completion_tokens: number;
}

const emptyTotals = (): UsageTotals => ({
  requests: 0,
  failures: 0,
  prompt_chars: 0,
  reply_chars: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
});

function addTo(totals: UsageTotals, row: UsageDailyRow): void {
  totals.requests += Number(row.requests);
  totals.failures += Number(row.failures);
  totals.prompt_chars += Number(row.prompt_chars);
  totals.reply_chars += Number(row.reply_chars);
  totals.prompt_tokens += Number(row.prompt_tokens);
  totals.completion_tokens += Number(row.completion_tokens);
}

/** Turns that never reached an account are stored under the empty account name. */
const accountOf = (row: UsageDailyRow): string | null => row.account_name || null;

export function summariseUsage(rows: UsageDailyRow[], group: Group) {
  const groups = new Map<string, { key: Record<string, string | null>; totals: UsageTotals }>();
  const totals = emptyTotals();
  for (const row of rows) {
    const key: Record<string, string | null> =
      group === 'user'
        ? { user_id: row.user_id }
        : group === 'account'
          ? { account: accountOf(row) }
          : { day: row.day };
    const id = String(Object.values(key)[0]);
    const entry = groups.get(id) ?? { key, totals: emptyTotals() };
    groups.set(id, entry);
    addTo(entry.totals, row);
    addTo(totals, row);
  }
  const list = [...groups.values()]
    .sort((a, b) => String(Object.values(a.key)[0]).localeCompare(String(Object.values(b.key)[0])))
    .map(({ key, totals: t }) => ({ ...key, ...t }));
  return { rows: list, totals };
}

export function adminUsageRoutes({ users, store }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/admin/usage', async (request) => {
      await users.requireAdmin(credentialFrom(request, 'admin'));
      const { admin: _key, ...params } = requestParams(request);
      const query = parseInput(usageQuery, params);
      const rows = await store.usage.list({
        from: query.from,
        to: query.to,
        userId: query.user_id,
        accountName: query.account,
      });
      return {
        status: 'success',
        from: query.from ?? null,
        to: query.to ?? null,
        group: query.group,
        ...summariseUsage(rows, query.group),
      };
    });
  };
}
