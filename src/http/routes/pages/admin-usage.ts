/** Admin console: requests, characters and tokens per user and per account per day, with a chart. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { utcDay } from '../../../store/index.js';
import { parseInput, text } from '../../input.js';
import { adminUsagePage } from '../../views/admin-usage.js';
import { usageReport } from './data.js';
import type { PageKit } from './kit.js';

const day = text
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'))
  .optional()
  .or(z.literal(''));
const rangeQuery = z.object({ from: day, to: day });
const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;

export function adminUsagePageRoutes(kit: PageKit) {
  const { store } = kit.deps;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/admin/usage', async (request, reply) => {
      if (!(await kit.adminFor(request))) return kit.redirectToSignin(request, reply);
      const query = parseInput(rangeQuery, request.query);
      const to = query.to || utcDay(Date.now());
      const from = query.from || utcDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS);
      const report = await usageReport(store, { from, to });
      const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
      return kit.sendPage(reply, adminUsagePage({ frame, from, to, ...report }));
    });
  };
}
