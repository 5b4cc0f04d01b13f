/** Rows 12, 14, 15 for the browser pages: CSRF on every form, the session cookie, stored XSS + CSP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPageClient } from '../../src/http/routes/pages/test-support.js';
import { testConfig } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '[click](javascript:alert(2))',
  '<img src=x onerror=alert(3)>',
  '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoNCk+)',
];

describe('security: browser pages (rows 12, 14, 15)', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    const base = testConfig({ dataDir: '' });
    stack = await startStack({
      accounts: [{ name: 'free-1' }],
      config: {
        server: { ...base.server, trust_proxy: true },
        limits: { ...base.limits, auth_failures_per_minute: 1000 },
      },
    });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('row 12: every browser form (POST page route) refuses a cross-site post without a valid CSRF token, sign-in too', async () => {
    const formRoutes = [
      ...new Set(
        (stack.server.server.app.routeList ?? [])
          .filter((r) => r.method === 'POST' && !r.url.startsWith('/api/') && !r.url.startsWith('/v1/'))
          .map((r) => r.url),
      ),
    ];
    expect(formRoutes).toEqual(
      expect.arrayContaining(['/chat', '/access-token', '/signin', '/admin/users/add']),
    );
    const admin = createPageClient(stack.url);
    expect((await admin.signIn(stack.adminKey)).status).toBe(303);
    for (const url of formRoutes) {
      // A signed-in admin's browser, tricked by another site: the cookie goes along, the token does not.
      const res = await admin.post(
        url,
        { user: key, prompt: 'x', userid: 'mallory', key },
        { origin: 'https://evil.example' },
      );
      // 403 (CSRF) on session forms; the original's key-only /admin/add-user ignores cookies: 401.
      expect(res.status, url).toBe(url === '/admin/add-user' ? 401 : 403);
    }
    await expect(stack.server.server.store.users.findById('mallory')).resolves.toBeUndefined();
  });

  it('row 14: the session cookie is HttpOnly, SameSite, Secure behind https, renewed at sign-in, dead after sign-out', async () => {
    const client = createPageClient(stack.url);
    const https = { 'x-forwarded-proto': 'https' };
    const page = await client.get('/signin', https);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const before = client.jar.get('cas_session');
    const signedIn = await client.post('/signin', { _csrf: token, key }, https);
    expect(signedIn.status).toBe(303);
    const line = signedIn.setCookies.find((l) => l.startsWith('cas_session=')) ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=(Lax|Strict)/i);
    expect(line).toMatch(/; Secure/i);
    const id = client.jar.get('cas_session');
    expect(id).toBeDefined();
    expect(id).not.toBe(before);
    expect((await client.get('/chat')).text).toContain('alice');
    await client.submit('/chat', '/signout', {});
    const replayed = await client.get('/chat', { cookie: `cas_session=${id}` });
    expect(replayed.text).not.toMatch(/Signed in as/);
  });

  it('row 15: script, javascript: links, onerror and SVG data URIs in prompts and replies are inert on every page; CSP forbids inline script', async () => {
    const ids: string[] = [];
    for (const payload of PAYLOADS) {
      const res = await stack.call('/api/chat', { json: { user: key, prompt: payload } });
      expect(res.status).toBe(200);
      ids.push(res.json?.conversation_id as string);
    }
    const user = createPageClient(stack.url);
    await user.signIn(key);
    const admin = createPageClient(stack.url);
    await admin.signIn(stack.adminKey);
    const pages = [
      await user.get('/recall'),
      ...(await Promise.all(ids.map((id) => user.get(`/chat?conversation_id=${id}`)))),
      ...(await Promise.all(ids.map((id) => admin.get(`/admin/conversations/${id}`)))),
      await admin.get('/admin/conversations'),
    ];
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/i);
      expect(page.text).not.toMatch(/<img[^>]*\sonerror/i);
      expect(page.text).not.toMatch(/href="\s*javascript:/i);
      expect(page.text).not.toMatch(/src="\s*data:image\/svg/i);
      const csp = String(page.headers['content-security-policy'] ?? '');
      expect(csp).toMatch(/script-src[^;]*'self'/);
      expect(csp).not.toMatch(/unsafe-inline/);
    }
    // The API's HTML rendering (reply_only + pretty) is sanitised too.
    const html = await stack.call(
      `/api/chat?user=${key}&reply_only=true&pretty=true&prompt=${encodeURIComponent(PAYLOADS.join(' '))}`,
    );
    expect(html.text).not.toMatch(/<script|onerror=|javascript:|data:image\/svg/i);
  });
});
