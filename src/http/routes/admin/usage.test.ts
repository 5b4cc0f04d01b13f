import { afterAll, beforeAll, expect, it } from 'vitest';
import { testConfig } from '../../../../test/helpers/config.js';
import { describeEachEngine } from '../../../../test/helpers/engines.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';
import { secondsUntilUtcMidnight } from '../../../chat/quota.js';
import { parsePrometheus, sumOf } from '../../../metrics/test-support.js';
import { utcDay } from '../../../store/index.js';

describeEachEngine('usage accounting and the daily quota', (engine) => {
  let stack: Stack;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const usage = (query: string) => stack.call(`/api/admin/usage?${query}`, { headers: admin() });

  beforeAll(async () => {
    stack = await startStack({
      engine,
      accounts: [
        { name: 'api-1', kind: 'openai' },
        { name: 'api-2', kind: 'openai' },
      ],
      config: { server: { ...testConfig({ dataDir: '' }).server, metrics_allow: ['127.0.0.0/8'] } },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('matches a run of known size exactly: requests, failures, characters, tokens', async () => {
    const key = await stack.addUser('bob');
    const prompts = ['one', 'two two', 'three three three'];
    let replyChars = 0;
    for (const prompt of prompts) {
      const res = await stack.call('/api/chat', { json: { user: key, prompt, model: 'gpt-4o-mini' } });
      expect(res.status).toBe(200);
      replyChars += (res.json?.reply as string).length;
    }
    // Both accounts fail once: the turn fails after trying each of them.
    for (const name of ['api-1', 'api-2'])
      stack.sim.setFault(stack.secretOf(name), { type: 'server_error' }, 1);
    const failed = await stack.call('/api/chat', {
      json: { user: key, prompt: 'doomed', model: 'gpt-4o-mini' },
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);

    const res = await usage('group=user&user_id=bob');
    expect(res.status).toBe(200);
    const expected = {
      requests: 4,
      failures: 1,
      prompt_chars: [...prompts, 'doomed'].join('').length,
      reply_chars: replyChars,
    };
    expect(res.json).toMatchObject({ status: 'success', group: 'user', totals: expected });
    expect(res.json?.rows).toEqual([expect.objectContaining({ user_id: 'bob', ...expected })]);
    const totals = res.json?.totals as { prompt_tokens: number; completion_tokens: number };
    expect(totals.prompt_tokens).toBeGreaterThan(0);
    expect(totals.completion_tokens).toBeGreaterThan(0);

    const byAccount = await usage('group=account&user_id=bob');
    const rows = byAccount.json?.rows as { account: string; requests: number; failures: number }[];
    for (const row of rows) expect(['api-1', 'api-2']).toContain(row.account);
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(4);
    expect(rows.reduce((n, r) => n + r.failures, 0)).toBe(1);
    const byDay = await usage('group=day&user_id=bob');
    expect(byDay.json?.rows).toEqual([expect.objectContaining({ day: utcDay(Date.now()), requests: 4 })]);

    const tomorrow = utcDay(Date.now() + 86_400_000);
    expect((await usage(`from=${tomorrow}&user_id=bob`)).json?.totals).toMatchObject({ requests: 0 });
    const bad = await usage('from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'invalid_request', field: 'from' });
    expect((await stack.call(`/api/admin/usage?user=${key}`)).status).toBe(401);
  });

  it('refuses the request after the daily quota with 429 and Retry-After until UTC midnight', async () => {
    const created = await stack.call('/api/admin/users', {
      json: { userid: 'carol', username: 'carol', limits: { requests_per_day: 2 } },
      headers: admin(),
    });
    expect(created.status).toBe(200);
    const key = created.json?.api_key as string;
    const ask = () => stack.call('/api/chat', { json: { user: key, prompt: 'hi', model: 'gpt-4o-mini' } });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const before = stack.sim.log.length;
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: 'daily_quota_exceeded', details: { limit: 2, used: 2 } });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(secondsUntilUtcMidnight(Date.now()) + 1);
    expect(stack.sim.log.length).toBe(before); // refused before any upstream call
    expect((await usage('user_id=carol')).json?.totals).toMatchObject({ requests: 2 });

    // This stack allows loopback scrapes without the admin key (api_server.metrics_allow).
    const metrics = await stack.call('/metrics');
    expect(metrics.status).toBe(200);
    expect(sumOf(parsePrometheus(metrics.text), 'cas_rate_limited_total', { reason: 'daily_quota' })).toBe(1);
  });
});

it('counts seconds to the next UTC midnight', () => {
  expect(secondsUntilUtcMidnight(Date.parse('2024-05-01T23:59:30Z'))).toBe(30);
  expect(secondsUntilUtcMidnight(Date.parse('2024-05-01T00:00:00Z'))).toBe(86_400);
});
