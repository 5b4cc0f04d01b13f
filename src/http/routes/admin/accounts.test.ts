import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

describe('/api/admin/accounts', () => {
  let stack: Stack;
  let userKey: string;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const accounts = async () =>
    (await stack.call('/api/admin/accounts', { headers: admin() })).json?.accounts as Record<
      string,
      unknown
    >[];
  const find = async (name: string) => (await accounts()).find((a) => a.name === name);

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'free-1' }, { name: 'free-2' }] });
    userKey = await stack.addUser('bob');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every account with its state and never a credential', async () => {
    const res = await stack.call('/api/admin/accounts', { headers: admin() });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(stack.secretOf('free-1'));
    expect(await find('free-1')).toMatchObject({
      kind: 'chatgpt',
      tier: 'free',
      status: 'ready',
      source: 'config',
      proxy: 'direct',
    });
  });

  it('refuses callers without the admin key', async () => {
    expect((await stack.call('/api/admin/accounts')).status).toBe(401);
    expect(
      (await stack.call('/api/admin/accounts', { headers: { authorization: `Bearer ${userKey}` } })).status,
    ).toBe(403);
  });

  it('shows a rate-limited account cooling until the upstream says, then serves from the other', async () => {
    stack.sim.setFault(stack.secretOf('free-1'), { type: 'rate_limit', clearsIn: 120 }, 1);
    stack.sim.setFault(stack.secretOf('free-2'), { type: 'rate_limit', clearsIn: 120 }, 1);
    const first = await stack.call(`/api/chat?user=${userKey}&prompt=a`);
    // Both accounts refused once: the client sees 429 only now that every account is cooling.
    expect(first.status).toBe(429);
    expect(Number(first.headers['retry-after'])).toBeGreaterThan(100);
    const view = await find('free-1');
    expect(view).toMatchObject({ status: 'cooling' });
    expect(Number(view?.until) - Date.now()).toBeGreaterThan(100_000);
    expect(
      (await stack.call('/api/admin/accounts/free-1/reset-cooldown', { method: 'POST', headers: admin() }))
        .json?.account,
    ).toMatchObject({ status: 'ready' });
    await stack.call('/api/admin/accounts/free-2/reset-cooldown', { method: 'POST', headers: admin() });
    expect((await stack.call(`/api/chat?user=${userKey}&prompt=b`)).status).toBe(200);
  });

  it('disables and enables an account; a disabled account serves nothing and stays disabled in the store', async () => {
    const res = await stack.call('/api/admin/accounts/free-1/disable', {
      method: 'POST',
      json: { reason: 'maintenance' },
      headers: admin(),
    });
    expect(res.json?.account).toMatchObject({ status: 'disabled', reason: 'maintenance' });
    for (let i = 0; i < 4; i++)
      expect((await stack.call(`/api/chat?user=${userKey}&prompt=d${i}`)).json?.account).toBe('free-2');
    expect(await stack.server.server.store.accounts.get('free-1')).toMatchObject({
      disabled: 1,
      disabled_reason: 'maintenance',
    });
    await stack.call('/api/admin/accounts/free-1/enable', { method: 'POST', headers: admin() });
    expect(await find('free-1')).toMatchObject({ status: 'ready' });
  });

  it('adds a runtime account (credentials encrypted at rest), tests it, and removes it', async () => {
    stack.sim.addAccount({ accessToken: 'runtime-token-secret-123', plus: true });
    const added = await stack.call('/api/admin/accounts', {
      json: { name: 'rt-1', access_token: 'runtime-token-secret-123', plus: true },
      headers: admin(),
    });
    expect(added.status).toBe(200);
    expect(added.json?.account).toMatchObject({ name: 'rt-1', tier: 'plus', source: 'runtime' });
    const db = readFileSync(path.join(stack.server.storage.dataDir, 'chatgpt-api-server.sqlite'));
    expect(db.includes('runtime-token-secret-123')).toBe(false);
    const tested = await stack.call('/api/admin/accounts/rt-1/test', { method: 'POST', headers: admin() });
    expect(tested.json?.result).toMatchObject({ ok: true });
    expect(stack.sim.log.some((l) => l.token === 'runtime-token-secret-123')).toBe(true);
    expect(
      (
        await stack.call('/api/admin/accounts', {
          json: { name: 'rt-1', access_token: 'x' },
          headers: admin(),
        })
      ).status,
    ).toBe(409);
    expect(
      (await stack.call('/api/admin/accounts', { json: { name: 'bad', proxy: 'ftp://x' }, headers: admin() }))
        .status,
    ).toBe(400);
    expect(
      (await stack.call('/api/admin/accounts/rt-1', { method: 'DELETE', headers: admin() })).status,
    ).toBe(200);
    expect(await find('rt-1')).toBeUndefined();
    expect(
      (await stack.call('/api/admin/accounts/free-1', { method: 'DELETE', headers: admin() })).status,
    ).toBe(409);
    expect(
      (await stack.call('/api/admin/accounts/nope/enable', { method: 'POST', headers: admin() })).status,
    ).toBe(404);
  });

  it("sends an account's options to its upstream and refuses options its kind does not have", async () => {
    stack.sim.addAccount({ accessToken: 'options-token-1', plus: false });
    const added = await stack.call('/api/admin/accounts', {
      json: { name: 'rt-opt', access_token: 'options-token-1', options: { sendPath: 'conversation' } },
      headers: admin(),
    });
    expect(added.status).toBe(200);
    expect(added.json?.account).toMatchObject({ options: { sendPath: 'conversation' } });
    const tested = await stack.call('/api/admin/accounts/rt-opt/test', { method: 'POST', headers: admin() });
    expect(tested.json?.result).toMatchObject({ ok: true });
    const sends = stack.sim.log
      .filter((l) => l.token === 'options-token-1' && l.method === 'POST')
      .map((l) => l.path);
    expect(sends).toContain('/backend-api/conversation');
    expect(sends).not.toContain('/backend-api/f/conversation');

    const refused = await stack.call('/api/admin/accounts', {
      json: { name: 'rt-bad', access_token: 'x', options: { streamOptions: false, sendPath: 'nope' } },
      headers: admin(),
    });
    expect(refused.status).toBe(400);
    const fields = (refused.json?.details as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['options', 'options.sendPath']));
    await stack.call('/api/admin/accounts/rt-opt', { method: 'DELETE', headers: admin() });
  });
});
