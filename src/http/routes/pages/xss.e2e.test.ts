/**
 * Row 15 of the security matrix in a real browser: a prompt (echoed by the simulator into the
 * reply and the title) carrying a script tag, an onerror image, a javascript: link and an SVG
 * data URI is shown on chat, recall and the admin conversation view; no script runs, and the
 * pages carry the Content-Security-Policy.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { describeWithBrowser, launchBrowser, type TestBrowser } from '../../../../test/helpers/browser.js';
import { CONTENT_SECURITY_POLICY } from './index.js';

const PAYLOAD = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  '[click me](javascript:window.__xss=1)',
  '<a href="javascript:window.__xss=1">raw link</a>',
  '![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy5fX3hzcz0xIj48L3N2Zz4=)',
].join(' ');

const WAIT = { timeout: 15_000 };

async function assertNoScriptRan(page: Page, response: Response | null): Promise<void> {
  expect(response?.status()).toBe(200);
  const headers = (await response?.allHeaders()) ?? {};
  expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY.replace(/; /g, ';'));
  // Give any injected handler (image error, load) a chance to run before checking.
  await page.waitForLoadState('load');
  await page.waitForTimeout(200);
  await expect(page.evaluate('typeof window.__xss')).resolves.toBe('undefined');
  await expect(page.locator('main script').count()).resolves.toBe(0);
  await expect(page.locator('main img').count()).resolves.toBe(0);
  await expect(page.locator('a[href^="javascript:"], [onerror], [onload]').count()).resolves.toBe(0);
}

describeWithBrowser('pages against script injection (headless Chromium)', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let conversationId: string;
  let user: Page;

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }] });
    const key = await stack.addUser('mallory');
    const res = await stack.call('/api/chat', { json: { user: key, prompt: PAYLOAD } });
    expect(res.status).toBe(200);
    expect(String(res.json?.reply)).toContain('<script>window.__xss=1</script>'); // the echo is real
    conversationId = String(res.json?.conversation_id);
    browser = await launchBrowser();
    user = await browser.newPage();
    await user.goto(`${stack.url}/signin`);
    await user.fill('#f-key', key);
    await Promise.all([
      user.waitForURL(`${stack.url}/chat`, WAIT),
      user.click('form[action="/signin"] button'),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('chat shows the stored turn as text, runs nothing', async () => {
    const response = await user.goto(`${stack.url}/chat?conversation_id=${conversationId}`);
    await expect(user.locator('#turns .prompt').first().textContent()).resolves.toBe(PAYLOAD);
    await expect(user.locator('#turns .reply-source').first().textContent()).resolves.toContain(
      '<img src=x onerror="window.__xss=1">',
    );
    await assertNoScriptRan(user, response);
  });

  it('chat streams the same payload without running it', async () => {
    const response = await user.goto(`${stack.url}/chat?conversation_id=${conversationId}`);
    await user.fill('#f-prompt', PAYLOAD);
    await user.click('#send');
    await user.locator('#turns .turn:nth-child(2) .reply[data-state="done"]').waitFor(WAIT);
    await assertNoScriptRan(user, response);
  });

  it('recall lists the title as text', async () => {
    const response = await user.goto(`${stack.url}/recall`);
    await expect(user.locator('#recall-list a').first().textContent()).resolves.toContain('<script>');
    await assertNoScriptRan(user, response);
  });

  it('the admin conversation view runs nothing', async () => {
    const admin = await browser.newPage();
    await admin.goto(`${stack.url}/signin`);
    await admin.fill('#f-key', stack.adminKey);
    await Promise.all([
      admin.waitForURL(`${stack.url}/chat`, WAIT),
      admin.click('form[action="/signin"] button'),
    ]);
    const list = await admin.goto(`${stack.url}/admin/conversations?user=mallory`);
    await assertNoScriptRan(admin, list);
    const response = await admin.goto(`${stack.url}/admin/conversations/${conversationId}`);
    await expect(admin.locator('#turns .prompt').first().textContent()).resolves.toBe(PAYLOAD);
    await assertNoScriptRan(admin, response);
    await browser.screenshot(admin, 'admin-conversation-xss');
  });
});
