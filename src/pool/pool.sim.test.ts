/** The pool with the REAL providers and credential manager against the upstream simulator. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim } from '../../test/upstream-sim/index.js';
import type { UpstreamSim } from '../../test/upstream-sim/index.js';
import type { AccountConfig } from '../config/types.js';
import { createSimPool } from './test-support.js';
import type { SimPool } from './test-support.js';

let sim: UpstreamSim;
let harness: SimPool | undefined;
let counter = 0;

beforeAll(async () => {
  sim = await startUpstreamSim({ replyChunks: 4 });
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  sim.setOptions({ chunkDelayMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

function chatgptAccounts(count: number, plus = false): AccountConfig[] {
  return Array.from({ length: count }, () => {
    counter += 1;
    const accessToken = `pool-sim-token-${counter}-${Date.now()}`;
    sim.addAccount({ accessToken, plus });
    return {
      name: `web-${counter}`,
      kind: 'chatgpt',
      plus,
      access_token: accessToken,
      max_concurrency: 1,
      weight: 1,
    };
  });
}

/** Chat sends per access token, from the simulator's own log. */
function sendsByToken(since: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of sim.log.slice(since)) {
    if (entry.method !== 'POST' || !/\/conversation$/.test(entry.path) || !entry.token) continue;
    counts.set(entry.token, (counts.get(entry.token) ?? 0) + 1);
  }
  return counts;
}

describe('pool against the simulator', () => {
  it('spreads 300 turns over 3 accounts 100 ± 1 each, counted upstream', async () => {
    const accounts = chatgptAccounts(3);
    harness = createSimPool({ sim, accounts });
    const since = sim.log.length;
    for (let i = 0; i < 300; i += 1) {
      const result = await harness.run({}, `question ${i}`);
      expect(result.error).toBeUndefined();
    }
    const counts = sendsByToken(since);
    for (const account of accounts) {
      const served = counts.get(account.access_token ?? '') ?? 0;
      expect(served).toBeGreaterThanOrEqual(99);
      expect(served).toBeLessThanOrEqual(101);
    }
  });

  it('runs 20 parallel turns over 3 one-at-a-time accounts without an upstream busy answer', async () => {
    const accounts = chatgptAccounts(3);
    harness = createSimPool({ sim, accounts });
    sim.setOptions({ chunkDelayMs: 5 });
    const since = sim.log.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => harness!.run({}, `parallel ${i}`)),
    );
    expect(results.map((result) => result.error)).toEqual(Array(20).fill(undefined));
    expect(results.every((result) => result.text.length > 0 && result.accounts.length === 1)).toBe(true);
    const statuses = sim.log.slice(since).map((entry) => entry.status);
    expect(statuses.filter((status) => status >= 400)).toEqual([]);
    expect([...sendsByToken(since).values()].reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('never gives a plus account to a user without plus', async () => {
    const free = chatgptAccounts(2);
    const plus = chatgptAccounts(2, true);
    harness = createSimPool({ sim, accounts: [...free, ...plus] });
    const since = sim.log.length;
    for (let i = 0; i < 12; i += 1) {
      const result = await harness.run({ tier: 'any', userPlus: false }, `any ${i}`);
      expect(result.error).toBeUndefined();
      expect(free.map((account) => account.name)).toContain(result.accounts[0]);
    }
    const refused = await harness.run({ tier: 'plus', userPlus: false }, 'plus please');
    expect(refused.error).toMatchObject({ status: 403, code: 'plus_not_allowed' });
    expect(refused.accounts).toEqual([]);
    const tokens = [...sendsByToken(since).keys()];
    expect(tokens.sort()).toEqual(free.map((account) => account.access_token).sort());

    const plusUser = await harness.run({ tier: 'plus', userPlus: true }, 'plus please');
    expect(plus.map((account) => account.name)).toContain(plusUser.accounts[0]);
  });

  it('serves OpenAI-kind accounts through the same pool', async () => {
    const key = `sk-pool-sim-${Date.now()}-abcdefgh`;
    sim.addApiKey(key);
    const api: AccountConfig = {
      name: 'api-1',
      kind: 'openai',
      plus: false,
      api_key: key,
      models: ['gpt-4o-mini'],
      max_concurrency: 4,
      weight: 1,
    };
    harness = createSimPool({ sim, accounts: [...chatgptAccounts(1), api] });
    const result = await harness.run({ kinds: ['openai'], model: 'gpt-4o-mini' }, 'hello api');
    expect(result.error).toBeUndefined();
    expect(result.accounts).toEqual(['api-1']);
    expect(result.text.length).toBeGreaterThan(0);
  });
});
