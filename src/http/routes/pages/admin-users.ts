/**
 * Admin console: the overview, users (add, remove, rotate key, permissions, limits) and the
 * original's /admin/add-user form. New keys are shown once, in the answer to the POST.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { flag, parseInput, requestParams, text } from '../../input.js';
import { addUserPage, adminUsersPage, newKeyNotice } from '../../views/admin-users.js';
import { adminHomePage } from '../../views/admin-usage.js';
import type { Notice } from '../../views/layout.js';
import { keyExpiry, modelNameList, requestLimit } from '../../../users/input-schemas.js';
import { createAddUserHandler } from '../admin/users.js';
import type { PageKit } from './kit.js';

const userIdField = text.pipe(z.string().trim().min(1).max(128));
const optionalLimit = z.preprocess(
  (v) => (Array.isArray(v) ? v[0] : v) || undefined,
  requestLimit.optional(),
);

const addForm = z.object({
  userid: userIdField,
  username: text.pipe(z.string().trim().max(128)).optional(),
  plus: flag.default(false),
  is_admin: flag.default(false),
  is_client: flag.default(false),
  key_expires_at: keyExpiry.optional(),
});
const userRef = z.object({ user_id: userIdField });
const updateForm = userRef.extend({
  plus: flag.default(false),
  is_admin: flag.default(false),
  is_client: flag.default(false),
  disabled: flag.default(false),
  requests_per_minute: optionalLimit,
  requests_per_day: optionalLimit,
  models: modelNameList,
  // Compared with the value the form was shown with: saving other fields leaves the expiry alone,
  // even one that has passed (which a new value may not be).
  key_expires_at: text.optional(),
  key_expires_was: text.optional(),
});
const changedExpiry = z.object({ key_expires_at: keyExpiry });
const rotateForm = userRef.extend({ key_expires_at: keyExpiry.optional() });

/** A browser asking for the page (not a script calling the original's JSON route). */
const wantsForm = (request: FastifyRequest): boolean =>
  requestParams(request).userid === undefined && (request.headers.accept ?? '').includes('text/html');

export function adminUserPageRoutes(kit: PageKit) {
  const { users, runtime, store } = kit.deps;
  const addUserJson = createAddUserHandler(users);

  return async function routes(app: FastifyInstance): Promise<void> {
    const showUsers = async (
      request: FastifyRequest,
      reply: Parameters<PageKit['sendPage']>[0],
      notice?: Notice,
    ) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const frame = kit.frame(request, reply, await kit.sessionPrincipal(request));
      return kit.sendPage(reply, adminUsersPage({ frame, users: await users.listUsers(), notice }));
    };

    app.get('/admin', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const accounts = await runtime.accounts.list();
      const { total } = await store.conversations.search({ limit: 1, offset: 0 });
      const page = adminHomePage({
        frame: kit.frame(request, reply, await kit.sessionPrincipal(request)),
        users: (await users.listUsers()).length,
        accounts: {
          total: accounts.length,
          ready: accounts.filter((a) => a.status === 'ready').length,
          disabled: accounts.filter((a) => a.status === 'disabled').length,
        },
        conversations: total,
      });
      return kit.sendPage(reply, page);
    });

    app.get('/admin/users', (request, reply) => showUsers(request, reply));

    app.get('/admin/add-user', async (request, reply) => {
      if (!wantsForm(request)) return addUserJson(request);
      const session = await kit.sessionPrincipal(request);
      const askAdminKey = !session?.admin;
      return kit.sendPage(reply, addUserPage({ frame: kit.frame(request, reply, session), askAdminKey }));
    });

    app.post('/admin/users/add', async (request, reply) => {
      const admin = await kit.adminFor(request, { acceptKey: true });
      if (!admin) return kit.redirectToSignin(request, reply);
      const input = parseInput(addForm, requestParams(request));
      const { user, apiKey } = await users.addUser(
        {
          userId: input.userid,
          username: input.username || input.userid,
          plus: input.plus,
          admin: input.is_admin,
          client: input.is_client,
          keyExpiresAt: input.key_expires_at,
        },
        admin.userId,
      );
      request.log.info({ user_id: user.user_id, by: admin.userId }, 'user added');
      const notice: Notice = { kind: 'ok', text: newKeyNotice(user.user_id, apiKey) };
      const session = await kit.sessionPrincipal(request);
      if (session?.admin) return showUsers(request, reply, notice);
      // Signed in with the admin key in the form only: show the form again, not the console.
      return kit.sendPage(
        reply,
        addUserPage({ frame: kit.frame(request, reply, session), askAdminKey: true, notice }),
      );
    });

    app.post('/admin/users/update', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const input = parseInput(updateForm, requestParams(request));
      const limits = {
        ...(input.requests_per_minute !== undefined && { requests_per_minute: input.requests_per_minute }),
        ...(input.requests_per_day !== undefined && { requests_per_day: input.requests_per_day }),
        ...(input.models !== undefined && { models: input.models }),
      };
      const expiryChanged = (input.key_expires_at ?? '').trim() !== (input.key_expires_was ?? '').trim();
      await users.updateUser(input.user_id, {
        plus: input.plus,
        admin: input.is_admin,
        client: input.is_client,
        disabled: input.disabled,
        limits,
        ...(expiryChanged && {
          keyExpiresAt: parseInput(changedExpiry, { key_expires_at: input.key_expires_at }).key_expires_at,
        }),
      });
      request.log.info({ user_id: input.user_id, by: admin.userId }, 'user updated');
      return showUsers(request, reply, { kind: 'ok', text: `Saved ${input.user_id}` });
    });

    app.post('/admin/users/rotate', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const { user_id, key_expires_at } = parseInput(rotateForm, requestParams(request));
      const { apiKey } = await users.rotateKey(user_id, { keyExpiresAt: key_expires_at });
      request.log.info({ user_id, by: admin.userId }, 'user key rotated');
      return showUsers(request, reply, { kind: 'ok', text: newKeyNotice(user_id, apiKey) });
    });

    app.post('/admin/users/remove', async (request, reply) => {
      const admin = await kit.adminFor(request);
      if (!admin) return kit.redirectToSignin(request, reply);
      const { user_id } = parseInput(userRef, requestParams(request));
      await users.removeUser(user_id);
      request.log.info({ user_id, by: admin.userId }, 'user removed');
      return showUsers(request, reply, { kind: 'ok', text: `Removed ${user_id}` });
    });
  };
}
