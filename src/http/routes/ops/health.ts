/**
 * /healthz: the process answers. /readyz: it can serve a turn — the database answers and at
 * least one account is in service (ready, or busy serving). Both unauthenticated and cheap; the
 * JSON names the failing check.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.js';

const CHECK_TIMEOUT_MS = 2000;

type CheckResult = 'ok' | string;

/** A check that hangs (an unreachable database) must fail the probe, not block it. */
async function timed(check: () => Promise<CheckResult>, failure: string): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve(`${failure} (timed out)`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => failure), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ store, runtime }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

    app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
      const [database, accounts] = await Promise.all([
        timed(async () => {
          await store.ping();
          return 'ok';
        }, 'unreachable'),
        timed(async () => {
          const views = await runtime.pool.snapshot();
          if (views.length === 0) return 'no_accounts';
          return views.some((v) => v.status === 'ready' || v.status === 'busy') ? 'ok' : 'none_ready';
        }, 'state_unreachable'),
      ]);
      const checks = { database, accounts };
      const ready = database === 'ok' && accounts === 'ok';
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  };
}
