/**
 * Row 11: the authorization inventory. Walks the server's real route list (collected by an
 * onRoute hook as the app is built), fails on any route missing from route-inventory.ts, and
 * calls every admin route with no key, a user key, a client key and a wrong key: only the
 * admin key gets past authorization.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPageClient } from '../../src/http/routes/pages/test-support.js';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { ROUTE_INVENTORY } from './route-inventory.js';

const routeKey = (method: string, url: string) => `${method} ${url}`;
/** A concrete path for a route pattern (params and wildcards filled with a harmless value). */
const concrete = (url: string) =>
  url.replace(/:[A-Za-z_]+/g, 'inventory-probe').replace(/\*$/, 'inventory-probe');

describe('security: authorization inventory (row 11)', () => {
  let stack: Stack;
  let userKey: string;
  let clientKey: string;
  let routes: string[];
  beforeAll(async () => {
    const base = testConfig({ dataDir: '' });
    stack = await startStack({
      accounts: [{ name: 'free-1' }],
      // CORS on, so its preflight routes exist too; many refusals on purpose, so no IP throttle.
      config: {
        server: { ...base.server, cors_origins: ['https://app.example'] },
        limits: { ...base.limits, auth_failures_per_minute: 100_000 },
      },
    });
    userKey = await stack.addUser('inventory-user');
    clientKey = await stack.addUser('inventory-client', { client: true });
    routes = [
      ...new Set(
        (stack.server.server.app.routeList ?? [])
          .filter((r) => r.method !== 'HEAD') // fastify's automatic HEAD for each GET
          .map((r) => routeKey(r.method, r.url)),
      ),
    ].sort();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('row 11: every route of the server is in the inventory, and every inventory line is a route', () => {
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes.filter((r) => !(r in ROUTE_INVENTORY));
    expect(missing, 'routes missing from test/security/route-inventory.ts').toEqual([]);
    const stale = Object.keys(ROUTE_INVENTORY).filter((r) => !routes.includes(r));
    expect(stale, 'inventory lines with no route').toEqual([]);
  });

  it('row 11: every admin route refuses no key, a user key, a client key and a wrong key; the admin key gets through', async () => {
    const adminRoutes = routes.filter((r) => ROUTE_INVENTORY[r] === 'admin');
    expect(adminRoutes.length).toBeGreaterThan(30);
    const callers: [string, Record<string, string>, string][] = [
      ['no key', {}, ''],
      ['user key', { authorization: `Bearer ${userKey}` }, `admin=${userKey}`],
      ['client key', { authorization: `Bearer ${clientKey}` }, `admin=${clientKey}`],
      ['wrong key', { authorization: `Bearer ${stack.adminKey}x` }, `admin=${stack.adminKey}x`],
    ];
    for (const route of adminRoutes) {
      const [method = 'GET', url = ''] = route.split(' ');
      const path = concrete(url);
      // A harmless payload that would act if authorization let it through.
      const probe = { userid: 'inventory-mallory', user_id: 'inventory-user', name: 'inventory-probe' };
      for (const [who, headers, query] of callers) {
        for (const viaQuery of [false, true]) {
          if (viaQuery && !query) continue;
          const res = await stack.call(`${path}${viaQuery ? `?${query}` : ''}`, {
            method,
            headers: viaQuery ? {} : headers,
            ...(method === 'GET' || method === 'DELETE' ? {} : { json: probe }),
          });
          expect([401, 403], `${route} as ${who}${viaQuery ? ' (query)' : ''}: ${res.status}`).toContain(
            res.status,
          );
        }
      }
      const admitted = await stack.call(path, {
        method,
        headers: { authorization: `Bearer ${stack.adminKey}` },
        ...(method === 'GET' || method === 'DELETE' ? {} : { json: { name: 'inventory-probe' } }),
      });
      expect([401, 403], `${route} with the admin key`).not.toContain(admitted.status);
    }
    await expect(stack.server.server.store.users.findById('inventory-mallory')).resolves.toBeUndefined();
    await expect(stack.server.server.store.users.findById('inventory-user')).resolves.toBeDefined();
  });

  it('row 11: user and client routes refuse missing and wrong keys; client routes refuse a plain user', async () => {
    for (const route of routes.filter((r) => ['user', 'client'].includes(ROUTE_INVENTORY[r] ?? ''))) {
      const [method = 'GET', url = ''] = route.split(' ');
      const path = concrete(url);
      const body = method === 'GET' ? {} : { json: {} };
      const none = await stack.call(path, { method, ...body });
      const wrong = await stack.call(path, {
        method,
        headers: { authorization: 'Bearer cas_wrong_key' },
        ...body,
      });
      expect([401, 403], `${route} without a key`).toContain(none.status);
      expect([401, 403], `${route} with a wrong key`).toContain(wrong.status);
      if (ROUTE_INVENTORY[route] === 'client') {
        const plain = await stack.call(`${path}?client=${userKey}`, { method, ...body });
        expect(plain.status, `${route} with a plain user key`).toBe(403);
      }
    }
  });

  it('row 11: admin pages refuse visitors and signed-in users, and open for a signed-in admin', async () => {
    const visitor = createPageClient(stack.url);
    const user = createPageClient(stack.url);
    await user.signIn(userKey);
    const admin = createPageClient(stack.url);
    await admin.signIn(stack.adminKey);
    for (const route of routes.filter((r) => ROUTE_INVENTORY[r] === 'admin-session')) {
      const [method = 'GET', url = ''] = route.split(' ');
      const path = concrete(url);
      if (method === 'GET') {
        for (const [who, client] of [
          ['visitor', visitor],
          ['user', user],
        ] as const) {
          const res = await client.get(path, { authorization: `Bearer ${userKey}` });
          expect(
            res.status === 200 && /<form[^>]*action="\/admin\//.test(res.text),
            `${route} as ${who}`,
          ).toBe(false);
          expect([302, 303, 401, 403], `${route} as ${who}`).toContain(res.status);
        }
        const ok = await admin.get(path);
        expect([200, 404], `${route} as admin`).toContain(ok.status);
      } else {
        // Forms: a user's session with a valid CSRF token of its own is still refused.
        const res = await user.submit('/chat', path, {
          userid: 'inventory-mallory',
          name: 'inventory-probe',
        });
        expect([401, 403], `${route} as user`).toContain(res.status);
      }
    }
    await expect(stack.server.server.store.users.findById('inventory-mallory')).resolves.toBeUndefined();
  });
});
