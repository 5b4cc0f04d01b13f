import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStorage, type TestStorage } from '../../test/helpers/engines.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { Principal, UserLimits } from '../users/principal.js';
import { enforceDailyQuota } from './quota.js';

const now = Date.parse('2026-11-27T12:00:00Z');
const principal = (limits: UserLimits, via: Principal['via'] = 'user_key'): Principal => ({
  userId: 'u',
  username: 'u',
  plus: false,
  admin: via === 'admin_key',
  client: false,
  via,
  limits,
});

let storage: TestStorage;
let store: Store;
beforeEach(async () => {
  storage = await createTestStorage('sqlite');
  store = await storage.open();
});
afterEach(async () => {
  await store.close();
  await storage.cleanup();
});

/** Today's usage of user `u`: `requests` turns on one account. */
const used = (requests: number) =>
  store.usage.add([
    {
      day: '2026-11-27',
      user_id: 'u',
      account_name: 'a',
      requests,
      failures: 0,
      prompt_chars: 0,
      reply_chars: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
    },
  ]);

describe('enforceDailyQuota', () => {
  it('returns no promise without a daily quota, or for the admin key, however much was used', async () => {
    await used(100);
    expect(enforceDailyQuota({ store, principal: principal({}), now })).toBeUndefined();
    expect(
      enforceDailyQuota({ store, principal: principal({ requests_per_day: 1 }, 'admin_key'), now }),
    ).toBeUndefined();
  });

  it("reads the day's count under a quota, and refuses with 429 once it is used up", async () => {
    await used(2);
    await expect(
      enforceDailyQuota({ store, principal: principal({ requests_per_day: 3 }), now }),
    ).resolves.toBe(undefined);
    await used(1);
    let rejected = 0;
    const refusal = enforceDailyQuota({
      store,
      principal: principal({ requests_per_day: 3 }),
      now,
      onRejected: () => (rejected += 1),
    });
    await expect(refusal).rejects.toBeInstanceOf(AppError);
    await expect(refusal).rejects.toMatchObject({
      status: 429,
      code: 'daily_quota_exceeded',
      retryAfterSeconds: 43_200,
      details: { limit: 3, used: 3 },
    });
    expect(rejected).toBe(1);
  });
});
