/** Admin console: accounts at a glance (from the pool), add, enable, disable, test now. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../errors.js';
import { clientGoneSignal } from '../../abort.js';
import { flag, parseInput, requestParams, text } from '../../input.js';
import { adminAccountsPage } from '../../views/admin-accounts.js';
import type { Notice } from '../../views/layout.js';
import type { PageKit } from './kit.js';

const actionForm = z.object({
  name: text.pipe(z.string().trim().min(1).max(128)),
  action: z.enum(['enable', 'disable', 'test', 'reset-cooldown', 'remove']),
  reason: text.pipe(z.string().trim().max(200)).optional(),
});

const optionalText = text.pipe(z.string().trim().max(8192)).optional();
const addForm = z.object({
  name: text.pipe(z.string().trim().min(1).max(128)),
  kind: z.enum(['chatgpt', 'openai']).default('chatgpt'),
  plus: flag.default(false),
  access_token: optionalText,
  session_token: optionalText,
  refresh_token: optionalText,
  email: optionalText,
  password: optionalText,
  api_key: optionalText,
  base_url: optionalText,
  models: optionalText,
  proxy: optionalText,
  /** The kind's options as JSON, e.g. {"sendPath": "conversation"}; checked like settings.json. */
  options: optionalText,
});

/** The form as a settings.json instance: empty fields left out, models as a list. */
function instanceFromForm(input: z.infer<typeof addForm>): Record<string, unknown> {
  const raw: Record<string, unknown> = { name: input.name, kind: input.kind, plus: input.plus };
  for (const key of [
    'access_token',
    'session_token',
    'refresh_token',
    'email',
    'password',
    'api_key',
    'base_url',
    'proxy',
  ] as const) {
    if (input[key]) raw[key] = input[key];
  }
  const models = (input.models ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (models.length > 0) raw.models = models;
  if (input.options) raw.options = parseOptions(input.options);
  return raw;
}

function parseOptions(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_account', 'options: must be JSON, e.g. {"sendPath": "conversation"}', {
      field: 'options',
    });
  }
}

export function adminAccountPageRoutes(kit: PageKit) {
  const { runtime } = kit.deps;

  return async function routes(app: FastifyInstance): Promise<void> {
    const show = async (request: FastifyRequest, reply: FastifyReply, notice?: Notice) => {
      const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
      return kit.sendPage(
        reply,
        adminAccountsPage({ frame, accounts: await runtime.accounts.list(), notice }),
      );
    };

    app.get('/admin/accounts', async (request, reply) => {
      if (!(await kit.adminFor(request))) return kit.redirectToSignin(request, reply);
      return show(request, reply);
    });

    app.post('/admin/accounts/add', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const input = parseInput(addForm, requestParams(request));
      const account = await runtime.accounts.add(instanceFromForm(input));
      request.log.info({ account: account.name, by: admin.userId }, 'account added');
      return show(request, reply, { kind: 'ok', text: `Added account ${account.name}` });
    });

    app.post('/admin/accounts/action', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const { name, action, reason } = parseInput(actionForm, requestParams(request));
      request.log.info({ account: name, action, by: admin.userId }, 'account action');
      let notice: Notice;
      switch (action) {
        case 'enable':
          await runtime.accounts.enable(name);
          notice = { kind: 'ok', text: `Enabled ${name}` };
          break;
        case 'disable':
          await runtime.accounts.disable(name, reason || `disabled by ${admin.username}`);
          notice = { kind: 'ok', text: `Disabled ${name}` };
          break;
        case 'reset-cooldown':
          await runtime.accounts.resetCooldown(name);
          notice = { kind: 'ok', text: `Cleared the cooldown of ${name}` };
          break;
        case 'remove':
          await runtime.accounts.remove(name);
          notice = { kind: 'ok', text: `Removed ${name}` };
          break;
        case 'test': {
          const result = await runtime.accounts.test(name, clientGoneSignal(request, reply));
          notice = result.ok
            ? { kind: 'ok', text: `${name} answered in ${result.ms} ms: ${result.reply ?? ''}` }
            : {
                kind: 'error',
                text: `${name} failed (${result.error?.kind ?? 'error'}): ${result.error?.message ?? ''}`,
              };
          break;
        }
      }
      return show(request, reply, notice);
    });
  };
}
