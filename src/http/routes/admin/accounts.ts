/**
 * /api/admin/accounts: every account with its state (never a credential), and the admin's
 * controls. Verbs are POST routes on the account, plus GET/POST forms of the same for scripts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { clientGoneSignal } from '../../abort.js';
import { credentialFrom, parseInput, requestParams, text } from '../../input.js';

const nameParam = z.object({ name: z.string().trim().min(1).max(128) });
const disableBody = z.object({ reason: text.pipe(z.string().trim().max(500)).optional() });
const ACTIONS = ['enable', 'disable', 'reset-cooldown', 'test', 'remove'] as const;

export function adminAccountRoutes({ users, runtime }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const requireAdmin = (request: FastifyRequest) => users.requireAdmin(credentialFrom(request, 'admin'));

    app.get('/api/admin/accounts', async (request) => {
      await requireAdmin(request);
      return { status: 'success', accounts: await runtime.accounts.list() };
    });

    app.post('/api/admin/accounts', async (request) => {
      const admin = await requireAdmin(request);
      const { admin: _key, ...body } = requestParams(request);
      const account = await runtime.accounts.add(body);
      request.log.info({ account: account.name, by: admin.userId }, 'account added');
      return { status: 'success', account };
    });

    app.get<{ Params: { name: string } }>('/api/admin/accounts/:name', async (request) => {
      await requireAdmin(request);
      const { name } = parseInput(nameParam, request.params);
      const account = (await runtime.accounts.list()).find((a) => a.name === name);
      if (!account) await runtime.accounts.enable(name); // throws the 404 for an unknown name
      return { status: 'success', account };
    });

    app.delete<{ Params: { name: string } }>('/api/admin/accounts/:name', async (request) => {
      const admin = await requireAdmin(request);
      const { name } = parseInput(nameParam, request.params);
      await runtime.accounts.remove(name);
      request.log.info({ account: name, by: admin.userId }, 'account removed');
      return { status: 'success', message: 'Account removed' };
    });

    for (const action of ACTIONS) {
      app.post<{ Params: { name: string } }>(
        `/api/admin/accounts/:name/${action}`,
        async (request, reply) => {
          const admin = await requireAdmin(request);
          const { name } = parseInput(nameParam, request.params);
          request.log.info({ account: name, action, by: admin.userId }, 'account action');
          switch (action) {
            case 'enable':
              await runtime.accounts.enable(name);
              break;
            case 'disable':
              await runtime.accounts.disable(
                name,
                parseInput(disableBody, requestParams(request)).reason || `disabled by ${admin.username}`,
              );
              break;
            case 'reset-cooldown':
              await runtime.accounts.resetCooldown(name);
              break;
            case 'remove':
              await runtime.accounts.remove(name);
              return { status: 'success', message: 'Account removed' };
            case 'test':
              return {
                status: 'success',
                result: await runtime.accounts.test(name, clientGoneSignal(request, reply)),
              };
          }
          const account = (await runtime.accounts.list()).find((a) => a.name === name);
          return { status: 'success', account };
        },
      );
    }
  };
}
