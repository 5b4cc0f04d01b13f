/**
 * The pages over plain HTTP (no browser, no JavaScript): forms work, CSRF refuses cross-site
 * posts (row 12), the session cookie behaves (row 14), keys stay out of URLs, admin pages need
 * an admin, and the demo banner shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { testConfig } from '../../../../test/helpers/config.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { DEMO_BANNER } from '../../views/layout.js';
import { createPageClient, csrfTokenIn } from './test-support.js';

const sessionCookie = (lines: string[]) => lines.find((l) => l.startsWith('cas_session='));

describe('pages over plain HTTP', () => {
  let stack: Stack;
  let aliceKey: string;

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }], config: { simulated: true } });
    aliceKey = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('redirects / to /chat and shows the demo banner on every page', async () => {
    const client = createPageClient(stack.url);
    const root = await client.get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/chat');
    for (const path of ['/chat', '/signin', '/access-token', '/admin/add-user']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain(DEMO_BANNER);
      expect(page.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('posts the chat form without JavaScript and renders the reply as Markdown', async () => {
    const client = createPageClient(stack.url);
    const res = await client.submit('/chat', '/chat', { user: aliceKey, prompt: 'Hello' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p>Simulated reply 0 to: Hello</p>');
    expect(res.text).toContain('<strong>bold</strong>');
    expect(res.text).toContain(`<pre class="reply-source">${simulatedReply('Hello', 0)}</pre>`);
    // The conversation is listed and can be continued; no link carries the key.
    expect(res.text).toMatch(/<ul id="conversation-list">\s*<li>\s*<a\s+href="\/chat\?conversation_id=/);
    expect(res.text).not.toMatch(new RegExp(`href="[^"]*${aliceKey}`));
    const conversationId = /name="conversation_id"\s+type="text"\s+value="([^"]+)"/.exec(res.text)?.[1];
    expect(conversationId).toBeTruthy();
    const next = await client.post('/chat', {
      _csrf: csrfTokenIn(res.text),
      _form: '1',
      pretty: 'true',
      reply_only: 'true',
      user: aliceKey,
      prompt: 'Again',
      conversation_id: conversationId ?? '',
    });
    expect(next.status).toBe(200);
    expect(next.text).toContain('Simulated reply 1 to: Again');
    expect(next.text).toContain('<p class="prompt">Hello</p>');
  });

  it('prefills the form from ?user= and ?access_token= as the original did', async () => {
    const client = createPageClient(stack.url);
    const page = await client.get(`/chat?user=${aliceKey}&access_token=my-token`);
    expect(page.text).toMatch(new RegExp(`name="user"\\s+type="password"\\s+value="${aliceKey}"`));
    expect(page.text).toMatch(/name="access_token"\s+type="password"\s+value="my-token"/);
  });

  it.each([
    '/chat',
    '/chat/stream',
    '/signin',
    '/signout',
    '/access-token',
    '/recall/delete',
    '/admin/users/add',
    '/admin/users/rotate',
    '/admin/accounts/add',
    '/admin/accounts/action',
  ])('refuses a cross-site POST to %s (no CSRF token) with 403', async (path) => {
    const before = stack.sim.log.length;
    const client = createPageClient(stack.url);
    const res = await client.post(
      path,
      { user: aliceKey, admin: stack.adminKey, key: aliceKey, prompt: 'x', userid: 'eve', name: 'x' },
      { origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(stack.sim.log.length).toBe(before);
  });

  it('refuses a forged or borrowed CSRF token', async () => {
    const victim = createPageClient(stack.url);
    const attacker = createPageClient(stack.url);
    await victim.get('/chat');
    const attackerToken = csrfTokenIn((await attacker.get('/chat')).text);
    const borrowed = await victim.post('/chat', { _csrf: attackerToken, user: aliceKey, prompt: 'x' });
    expect(borrowed.status).toBe(403);
    const forged = await victim.post('/chat', { _csrf: 'forged-token', user: aliceKey, prompt: 'x' });
    expect(forged.status).toBe(403);
    await expect(stack.server.server.store.users.findById('eve')).resolves.toBeUndefined();
  });

  it('starts a session with a new HttpOnly SameSite cookie and ends it at sign-out', async () => {
    const client = createPageClient(stack.url);
    const first = await client.signIn(aliceKey);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/chat');
    const line = sessionCookie(first.setCookies) ?? '';
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).not.toMatch(/Secure/);
    expect(line).not.toContain(aliceKey);
    const firstId = client.jar.get('cas_session');
    expect((await client.get('/chat')).text).toContain('Signed in as <strong>alice</strong>');

    await client.signIn(aliceKey);
    const secondId = client.jar.get('cas_session');
    expect(secondId).not.toBe(firstId);
    const stale = await client.get('/chat', { cookie: `cas_session=${firstId}` });
    expect(stale.text).not.toContain('Signed in as');

    const out = await client.submit('/chat', '/signout', {});
    expect(out.status).toBe(303);
    expect(client.jar.has('cas_session')).toBe(false);
    const replayed = await client.get('/chat', { cookie: `cas_session=${secondId}` });
    expect(replayed.text).not.toContain('Signed in as');
  });

  it('answers a wrong key at sign-in with 401 and never redirects off-site', async () => {
    const client = createPageClient(stack.url);
    const wrong = await client.signIn('cas_not-a-real-key');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Invalid key');
    const page = await client.get('/signin?next=//evil.example/x');
    const res = await client.post('/signin', {
      _csrf: csrfTokenIn(page.text),
      key: aliceKey,
      next: '//evil.example/x',
    });
    expect(res.headers.location).toBe('/chat');
  });

  it('ends the session when the key is rotated', async () => {
    const bobKey = await stack.addUser('bob');
    const client = createPageClient(stack.url);
    await client.signIn(bobKey);
    expect((await client.get('/chat')).text).toContain('Signed in as');
    const rotated = await stack.call('/api/admin/users/bob/rotate-key', {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}` },
    });
    expect(rotated.status).toBe(200);
    expect((await client.get('/chat')).text).not.toContain('Signed in as');
  });

  it('keeps /admin/add-user: a form for browsers, JSON for scripts', async () => {
    const form = await stack.call('/admin/add-user', { headers: { accept: 'text/html' } });
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="userid"');
    expect(form.text).toMatch(/name="admin"\s+type="password"/);
    const json = await stack.call(`/admin/add-user?admin=${stack.adminKey}&userid=carol&username=Carol`);
    expect(json.json).toMatchObject({ status: 'success', message: 'User added' });
    const missing = await stack.call(`/admin/add-user?admin=${stack.adminKey}`);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ status: 'error' });

    // The form with the admin key typed in (no session) adds the user and shows the key once.
    const client = createPageClient(stack.url);
    const added = await client.submit('/admin/add-user', '/admin/users/add', {
      admin: stack.adminKey,
      userid: 'dave',
    });
    expect(added.status).toBe(200);
    const key = /id="new-api-key">([^<]+)</.exec(added.text)?.[1] ?? '';
    expect(key).toMatch(/^cas_/);
    expect(await stack.server.server.users.authenticate(key)).toMatchObject({ userId: 'dave' });
  });

  it("adds an account from the admin form, with its kind's options as JSON", async () => {
    stack.sim.addAccount({ accessToken: 'form-options-token', plus: false });
    const admin = createPageClient(stack.url);
    await admin.signIn(stack.adminKey);
    const form = { name: 'form-opt', kind: 'chatgpt', access_token: 'form-options-token' };
    const added = await admin.submit('/admin/accounts', '/admin/accounts/add', {
      ...form,
      options: '{"sendPath": "conversation"}',
    });
    expect(added.status).toBe(200);
    expect(added.text).toContain('Added account form-opt');
    const listed = (await stack.server.server.runtime.accounts.list()).find((a) => a.name === 'form-opt');
    expect(listed?.options).toEqual({ sendPath: 'conversation' });

    const broken = await admin.submit('/admin/accounts', '/admin/accounts/add', {
      ...form,
      name: 'form-bad',
      options: '{sendPath: conversation}',
    });
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/text\/html/);
    expect(broken.text).toContain('options: must be JSON');
    await stack.server.server.runtime.accounts.remove('form-opt');
  });

  it("edits a user's limits and allowed models from the admin form", async () => {
    await stack.addUser('erin');
    const admin = createPageClient(stack.url);
    await admin.signIn(stack.adminKey);
    const save = (form: Record<string, string>) =>
      admin.submit('/admin/users', '/admin/users/update', { user_id: 'erin', ...form });
    const limitsOf = async () => JSON.parse((await stack.server.server.users.getUser('erin')).limits ?? '{}');

    const saved = await save({ requests_per_day: '50', models: ' gpt-4o-mini, auto ,,auto ' });
    expect(saved.status).toBe(200);
    expect(await limitsOf()).toEqual({ requests_per_day: 50, models: ['gpt-4o-mini', 'auto'] });
    expect(saved.text).toMatch(/id="f-models-erin"[^>]*value="gpt-4o-mini, auto"/);
    expect(saved.text).toContain('models: gpt-4o-mini, auto');

    expect((await save({ requests_per_day: '50', models: '' })).status).toBe(200);
    expect(await limitsOf()).toEqual({ requests_per_day: 50 });
    expect((await admin.get('/admin/users')).text).toContain('all models');

    const tooLong = await save({ models: 'x'.repeat(201) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.headers['content-type']).toMatch(/text\/html/);
    expect(await limitsOf()).toEqual({ requests_per_day: 50 });
  });

  it('sets and changes key expiry from the admin forms; saving other fields leaves it alone', async () => {
    const admin = createPageClient(stack.url);
    await admin.signIn(stack.adminKey);
    const added = await admin.submit('/admin/users', '/admin/users/add', {
      userid: 'fay',
      key_expires_at: '2999-03-01',
    });
    expect(added.status).toBe(200);
    expect(added.text).toContain('expires 2999-03-01T00:00:00.000Z');
    const expiryOf = async () =>
      (await stack.server.server.store.users.list({ userId: 'fay' }))[0]?.keyExpiresAt;
    expect(await expiryOf()).toBe(Date.parse('2999-03-01'));

    const shown = '2999-03-01T00:00:00.000Z';
    const save = (form: Record<string, string>) =>
      admin.submit('/admin/users', '/admin/users/update', {
        user_id: 'fay',
        key_expires_was: shown,
        ...form,
      });
    expect((await save({ key_expires_at: shown, plus: 'on' })).status).toBe(200);
    expect(await expiryOf()).toBe(Date.parse('2999-03-01'));
    // A key that has already expired: the form shows the past time, and saving keeps it.
    await stack.server.server.store.users.setKeyExpiry('fay', Date.parse('2001-01-01'));
    const expired = '2001-01-01T00:00:00.000Z';
    const kept = await save({ key_expires_was: expired, key_expires_at: expired, plus: 'on' });
    expect(kept.status).toBe(200);
    expect(kept.text).toContain(`expired ${expired}`);
    expect(await expiryOf()).toBe(Date.parse('2001-01-01'));
    expect((await save({ key_expires_at: '2999-04-01T08:00:00Z' })).status).toBe(200);
    expect(await expiryOf()).toBe(Date.parse('2999-04-01T08:00:00Z'));
    const past = await save({ key_expires_was: '', key_expires_at: '2000-01-01' });
    expect(past.status).toBe(400);
    expect(past.text).toContain('must be in the future');
    expect((await save({ key_expires_was: 'x', key_expires_at: '' })).status).toBe(200);
    expect(await expiryOf()).toBeNull();

    // Rotating gives the new key its own expiry, or none when the field is left empty.
    const rotate = (key_expires_at: string) =>
      admin.submit('/admin/users', '/admin/users/rotate', { user_id: 'fay', key_expires_at });
    const rotated = await rotate('2999-05-01');
    expect(rotated.status).toBe(200);
    expect(rotated.text).toMatch(/cas_[A-Za-z0-9_-]{43}/);
    expect(await expiryOf()).toBe(Date.parse('2999-05-01'));
    expect((await rotate('')).status).toBe(200);
    expect(await expiryOf()).toBeNull();
    const refused = await rotate('1999-01-01');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('must be in the future');
  });

  it('admin pages: sign-in first, 403 for a non-admin even with a valid token', async () => {
    const anonymous = createPageClient(stack.url);
    const redirect = await anonymous.get('/admin/users?admin=secret-looking');
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe('/signin?next=%2Fadmin%2Fusers');

    const user = createPageClient(stack.url);
    await user.signIn(aliceKey);
    expect((await user.get('/admin')).status).toBe(403);
    const post = await user.submit('/chat', '/admin/users/add', { userid: 'mallory' });
    expect(post.status).toBe(403);
    await expect(stack.server.server.store.users.findById('mallory')).resolves.toBeUndefined();
  });

  it('serves its own assets and pages without inline script or style', async () => {
    const client = createPageClient(stack.url);
    const page = await client.get('/chat');
    const css = /href="(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(page.text)?.[1] ?? '';
    const js = /src="(\/assets\/app\.js\?v=[0-9a-f]+)"/.exec(page.text)?.[1] ?? '';
    expect((await client.get(css)).headers['content-type']).toContain('text/css');
    const script = await client.get(js);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.headers['cache-control']).toContain('immutable');
    expect(script.text).toContain('AbortController');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).not.toMatch(/\son[a-z]+=/);
  });

  it('shows access-token failures as an HTML error without echoing the token', async () => {
    const client = createPageClient(stack.url);
    await client.signIn(aliceKey);
    const res = await client.submit('/access-token', '/access-token', {
      method: 'session',
      session_token: 'sess-unknown-secret-value',
    });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toMatch(/Request id/);
    expect(res.text).not.toContain('sess-unknown-secret-value');
    expect(stack.server.logText()).not.toContain('sess-unknown-secret-value');
  });
});

describe('pages behind an https reverse proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      config: { server: { ...testConfig({ dataDir: '' }).server, trust_proxy: true } },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('marks the session and CSRF cookies Secure', async () => {
    const key = await stack.addUser('erin');
    const client = createPageClient(stack.url);
    const https = { 'x-forwarded-proto': 'https' };
    const page = await client.get('/signin', https);
    expect(page.setCookies.find((l) => l.startsWith('cas_csrf='))).toMatch(/; Secure/);
    const res = await client.post('/signin', { _csrf: csrfTokenIn(page.text), key }, https);
    expect(res.status).toBe(303);
    expect(sessionCookie(res.setCookies)).toMatch(/; Secure/);
  });
});
