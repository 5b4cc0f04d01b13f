/**
 * Every route of the server and who may call it. test/security/authorization.test.ts walks the
 * server's real route list and fails on any route missing here (or listed here but gone), then
 * calls each route as the callers it must refuse. Adding a route means adding a line here.
 *
 * - public: anyone (health, assets, sign-in, CORS preflight)
 * - ops: the metrics allow-list (by address)
 * - user: a user key (`user`, Bearer) or a client acting for its user; admins too
 * - client: a client key (or the admin key)
 * - admin: the admin key (or a user with the admin flag)
 * - session: a browser page; a signed-in session acts, forms need CSRF
 * - admin-session: a browser page for admins only
 */
export type Access = 'public' | 'ops' | 'user' | 'client' | 'admin' | 'session' | 'admin-session';

export const ROUTE_INVENTORY: Readonly<Record<string, Access>> = {
  // Public and operations
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'ops',
  'GET /assets/app.css': 'public',
  'GET /assets/app.js': 'public',
  'OPTIONS /api/*': 'public',
  'OPTIONS /v1/*': 'public',
  // The original's API
  'GET /api/chat': 'user',
  'POST /api/chat': 'user',
  'GET /api/recall': 'user',
  'POST /api/recall': 'user',
  'GET /api/remove-conversation': 'user',
  'POST /api/remove-conversation': 'user',
  'GET /api/access-token': 'user',
  'POST /api/access-token': 'user',
  'GET /api/client/add-user': 'client',
  'POST /api/client/add-user': 'client',
  'GET /api/client/users': 'client',
  // OpenAI-compatible API
  'GET /v1/models': 'user',
  'GET /v1/models/*': 'user',
  'POST /v1/chat/completions': 'user',
  'POST /v1/responses': 'user',
  // Administration by key
  'GET /admin/add-user': 'admin',
  'POST /admin/add-user': 'admin',
  'GET /api/admin/add-user': 'admin',
  'POST /api/admin/add-user': 'admin',
  'GET /api/admin/users': 'admin',
  'POST /api/admin/users': 'admin',
  'GET /api/admin/users/:id': 'admin',
  'PATCH /api/admin/users/:id': 'admin',
  'DELETE /api/admin/users/:id': 'admin',
  'POST /api/admin/users/:id/rotate-key': 'admin',
  'GET /api/admin/remove-user': 'admin',
  'POST /api/admin/remove-user': 'admin',
  'GET /api/admin/rotate-key': 'admin',
  'POST /api/admin/rotate-key': 'admin',
  'GET /api/admin/update-user': 'admin',
  'POST /api/admin/update-user': 'admin',
  'GET /api/admin/disable-user': 'admin',
  'POST /api/admin/disable-user': 'admin',
  'GET /api/admin/enable-user': 'admin',
  'POST /api/admin/enable-user': 'admin',
  'GET /api/admin/accounts': 'admin',
  'POST /api/admin/accounts': 'admin',
  'GET /api/admin/accounts/:name': 'admin',
  'DELETE /api/admin/accounts/:name': 'admin',
  'POST /api/admin/accounts/:name/enable': 'admin',
  'POST /api/admin/accounts/:name/disable': 'admin',
  'POST /api/admin/accounts/:name/reset-cooldown': 'admin',
  'POST /api/admin/accounts/:name/test': 'admin',
  'POST /api/admin/accounts/:name/remove': 'admin',
  'GET /api/admin/conversations': 'admin',
  'GET /api/admin/conversations/:id': 'admin',
  'DELETE /api/admin/conversations/:id': 'admin',
  'GET /api/admin/usage': 'admin',
  // Browser pages
  'GET /': 'public',
  'GET /signin': 'public',
  'POST /signin': 'public',
  'POST /signout': 'session',
  'GET /chat': 'session',
  'POST /chat': 'session',
  'POST /chat/stream': 'session',
  'GET /recall': 'session',
  'POST /recall/delete': 'session',
  'GET /access-token': 'session',
  'POST /access-token': 'session',
  'GET /admin': 'admin-session',
  'GET /admin/users': 'admin-session',
  'POST /admin/users/add': 'admin-session',
  'POST /admin/users/remove': 'admin-session',
  'POST /admin/users/rotate': 'admin-session',
  'POST /admin/users/update': 'admin-session',
  'GET /admin/accounts': 'admin-session',
  'POST /admin/accounts/add': 'admin-session',
  'POST /admin/accounts/action': 'admin-session',
  'GET /admin/conversations': 'admin-session',
  'GET /admin/conversations/:id': 'admin-session',
  'GET /admin/usage': 'admin-session',
};
