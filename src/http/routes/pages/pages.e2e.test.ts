/**
 * The pages in a real headless Chromium against our server and the upstream simulator: sign
 * in, streamed chat, follow-up, stop, access token, and the admin console. Every page is
 * screenshotted into test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { describeWithBrowser, launchBrowser, type TestBrowser } from '../../../../test/helpers/browser.js';
import { DEMO_BANNER } from '../../views/layout.js';

const WAIT = { timeout: 15_000 };

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/signin`);
  await page.fill('#f-key', key);
  await Promise.all([page.waitForURL(`${url}/chat`, WAIT), page.click('form[action="/signin"] button')]);
}

/** Sends the chat form and waits for the streamed reply to finish; returns the Markdown source. */
async function sendPrompt(page: Page, prompt: string): Promise<string> {
  const before = await page.locator('#turns .turn').count();
  await page.fill('#f-prompt', prompt);
  await page.click('#send');
  const turn = page.locator('#turns .turn').nth(before);
  await turn.locator('.reply[data-state="done"]').waitFor(WAIT);
  return (await turn.locator('.reply-source').textContent()) ?? '';
}

describeWithBrowser('browser pages (headless Chromium)', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let aliceKey: string;
  let alice: Page;
  let admin: Page;

  beforeAll(async () => {
    stack = await startStack({
      accounts: [{ name: 'free-1' }, { name: 'free-2' }],
      config: { simulated: true },
    });
    stack.sim.setOptions({ chunkDelayMs: 30 });
    aliceKey = await stack.addUser('alice');
    browser = await launchBrowser();
    alice = await browser.newPage();
    admin = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in with a user key and shows the demo banner', async () => {
    await alice.goto(`${stack.url}/signin`);
    await browser.screenshot(alice, 'signin');
    await signIn(alice, stack.url, aliceKey);
    await expect(alice.locator('.who').textContent()).resolves.toContain('Signed in as alice');
    await expect(alice.locator('.demo-banner').textContent()).resolves.toBe(DEMO_BANNER);
    const cookies = await alice.context().cookies();
    const session = cookies.find((c) => c.name === 'cas_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(session?.value).not.toContain(aliceKey);
  });

  it('streams a reply progressively and ends with the exact text', async () => {
    // Browser-side code as strings: the test project has no DOM types.
    await alice.evaluate(`(() => {
      const seen = [];
      window.__seen = seen;
      new MutationObserver(() => {
        const reply = document.querySelector('#turns .turn:last-child .reply[data-state="streaming"]');
        if (reply && reply.textContent) seen.push(reply.textContent);
      }).observe(document.getElementById('turns'), { subtree: true, childList: true, characterData: true });
    })()`);
    const source = await sendPrompt(alice, 'Tell me a story');
    const expected = simulatedReply('Tell me a story', 0);
    expect(source).toBe(expected);
    const seen = (await alice.evaluate('window.__seen')) as string[];
    const partial = [...new Set(seen)].filter((text) => text.length < expected.length);
    expect(partial.length).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(expected.startsWith(text)).toBe(true);
    // The rendered reply is Markdown, and the new conversation joined the side list.
    await expect(alice.locator('#turns .turn:last-child .reply strong').first().textContent()).resolves.toBe(
      'bold',
    );
    await expect(alice.locator('#conversation-list a').allTextContents()).resolves.toEqual([
      'Sim: Tell me a story',
    ]);
    await expect(alice.locator('#stop').isVisible()).resolves.toBe(false);
    await browser.screenshot(alice, 'chat');
  });

  it('continues the conversation, also after reopening it from the side list', async () => {
    const conversationId = await alice.inputValue('#f-conversation_id');
    expect(conversationId).not.toBe('');
    await expect(sendPrompt(alice, 'And then?')).resolves.toBe(simulatedReply('And then?', 1));
    expect(await alice.inputValue('#f-conversation_id')).toBe(conversationId);

    await alice.goto(`${stack.url}/chat`);
    await expect(alice.locator('#turns .turn').count()).resolves.toBe(0);
    await Promise.all([alice.waitForURL(/conversation_id=/, WAIT), alice.click('#conversation-list a')]);
    await expect(alice.locator('#turns .turn').count()).resolves.toBe(2);
    await expect(sendPrompt(alice, 'The end')).resolves.toBe(simulatedReply('The end', 2));
    const turns = await stack.server.server.store.turns.listForConversation(conversationId);
    expect(turns.map((t) => t.prompt)).toEqual(['Tell me a story', 'And then?', 'The end']);
  });

  it('stops a stream and the upstream request is aborted', async () => {
    stack.sim.setOptions({ chunkDelayMs: 400 });
    try {
      await alice.goto(`${stack.url}/chat`);
      const abortedBefore = stack.sim.aborted;
      await alice.fill('#f-prompt', 'A very long answer please');
      await alice.click('#send');
      const reply = alice.locator('#turns .turn:last-child .reply');
      // The first streamed piece has arrived (the simulator's reply starts with "Simulated").
      await alice.locator('#turns .turn:last-child .reply', { hasText: 'Sim' }).waitFor(WAIT);
      await expect(alice.locator('#stop').isVisible()).resolves.toBe(true);
      await alice.click('#stop');
      await alice.locator('#turns .turn:last-child .reply[data-state="stopped"]').waitFor(WAIT);
      await waitUntil('the simulator to see the abort', () => stack.sim.aborted > abortedBefore);
      const text = (await reply.textContent()) ?? '';
      expect(simulatedReply('A very long answer please', 0).startsWith(text)).toBe(true);
      expect(text.length).toBeLessThan(simulatedReply('A very long answer please', 0).length);
    } finally {
      stack.sim.setOptions({ chunkDelayMs: 30 });
    }
  });

  it('gets an access token from a session token', async () => {
    stack.sim.addAccount({ accessToken: 'x', sessionToken: 'sess-1' });
    await alice.goto(`${stack.url}/access-token`);
    await browser.screenshot(alice, 'access-token');
    await alice.fill('#tab-session input[name="session_token"]', 'sess-1');
    await Promise.all([
      alice.waitForURL(`${stack.url}/access-token`, WAIT),
      alice.click('#tab-session button'),
    ]);
    const token = await alice.inputValue('#access-token-value');
    expect(token.split('.')).toHaveLength(3); // a JWT from the simulator's next-auth session
    await expect(alice.locator('#access-token-expiry').textContent()).resolves.toMatch(/^\d{4}-\d\d-\d\d /);
    await browser.screenshot(alice, 'access-token-result');
  });

  it('lists, searches and deletes conversations on /recall', async () => {
    await alice.goto(`${stack.url}/recall?q=story`);
    await expect(alice.locator('#recall-list tr').count()).resolves.toBe(1);
    await browser.screenshot(alice, 'recall');
    await alice.goto(`${stack.url}/recall`);
    const before = await alice.locator('#recall-list tr').count();
    expect(before).toBeGreaterThanOrEqual(2);
    alice.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([
      alice.waitForURL(`${stack.url}/recall`, WAIT),
      alice
        .locator('#recall-list tr')
        .filter({ hasNotText: 'Tell me a story' })
        .first()
        .locator('button.danger')
        .click(WAIT),
    ]);
    await expect(alice.locator('#recall-list tr').count()).resolves.toBe(before - 1);
    await expect(alice.locator('#recall-list').textContent()).resolves.toContain('Tell me a story');
  });

  it('lets an admin add a user whose key then works', async () => {
    await signIn(admin, stack.url, stack.adminKey);
    await admin.goto(`${stack.url}/admin`);
    await browser.screenshot(admin, 'admin');
    await admin.goto(`${stack.url}/admin/add-user`);
    await expect(admin.locator('#f-new-userid').isVisible()).resolves.toBe(true);
    await browser.screenshot(admin, 'admin-add-user');
    await admin.goto(`${stack.url}/admin/users`);
    await admin.fill('#f-new-userid', 'bob');
    await admin.fill('#f-new-username', 'Bob');
    await admin.click('form[action="/admin/users/add"] button');
    const bobKey = ((await admin.locator('#new-api-key').textContent({ timeout: 15_000 })) ?? '').trim();
    expect(bobKey).toMatch(/^cas_/);
    await expect(admin.locator('tr[data-user="bob"]').count()).resolves.toBe(1);
    await browser.screenshot(admin, 'admin-users');

    const bob = await browser.newPage();
    await signIn(bob, stack.url, bobKey);
    await expect(bob.locator('.who').textContent()).resolves.toContain('Signed in as Bob');
    await expect(sendPrompt(bob, 'Hi from Bob')).resolves.toBe(simulatedReply('Hi from Bob', 0));
    await bob.context().close();

    // Rotating from the console (after its confirm dialog) gives the new key its own expiry.
    await admin.locator('tr[data-user="bob"] summary').click();
    await admin.fill('#f-rotate-expires-bob', '2999-06-01');
    admin.once('dialog', (dialog) => void dialog.accept());
    await admin.click('tr[data-user="bob"] form[action="/admin/users/rotate"] button');
    const rotatedKey = ((await admin.locator('#new-api-key').textContent(WAIT)) ?? '').trim();
    expect(rotatedKey).toMatch(/^cas_/);
    expect(rotatedKey).not.toBe(bobKey);
    await expect(admin.locator('tr[data-user="bob"]').textContent()).resolves.toContain(
      'expires 2999-06-01T00:00:00.000Z',
    );
    await admin.locator('tr[data-user="bob"] summary').click();
    await browser.screenshot(admin, 'admin-users-rotated');
  });

  it("shows an admin the user's conversation", async () => {
    await admin.goto(`${stack.url}/admin/conversations?user=alice`);
    await browser.screenshot(admin, 'admin-conversations');
    const link = admin.locator('tbody a', { hasText: 'Tell me a story' });
    await Promise.all([admin.waitForURL(/\/admin\/conversations\/.+/, WAIT), link.click()]);
    await expect(admin.locator('#turns .prompt').allTextContents()).resolves.toEqual([
      'Tell me a story',
      'And then?',
      'The end',
    ]);
    await browser.screenshot(admin, 'admin-conversation');
  });

  it('lets an admin disable an account, and the accounts page shows it', async () => {
    await admin.goto(`${stack.url}/admin/accounts`);
    await browser.screenshot(admin, 'admin-accounts');
    const row = admin.locator('tr[data-account="free-2"]');
    await expect(row.locator('[data-status]').getAttribute('data-status')).resolves.toBe('ready');
    await row.locator('input[name="reason"]').fill('maintenance window');
    await Promise.all([
      admin.waitForURL(`${stack.url}/admin/accounts/action`, WAIT),
      row.locator('button', { hasText: 'Disable' }).click(),
    ]);
    const after = admin.locator('tr[data-account="free-2"]');
    await expect(after.locator('[data-status]').getAttribute('data-status')).resolves.toBe('disabled');
    await expect(after.locator('.account-reason').textContent()).resolves.toBe('maintenance window');
    const snapshot = await stack.server.server.runtime.pool.snapshot();
    expect(snapshot.find((a) => a.name === 'free-2')?.status).toBe('disabled');
    await browser.screenshot(admin, 'admin-accounts-disabled');
  });

  it('shows usage per day with a server-drawn chart', async () => {
    await admin.goto(`${stack.url}/admin/usage`);
    await expect(admin.locator('svg.chart rect.bar').count()).resolves.toBe(30);
    await expect(admin.locator('table').first().textContent()).resolves.toContain('alice');
    await browser.screenshot(admin, 'admin-usage');
  });
});
