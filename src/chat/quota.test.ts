import { describe, expect, it } from 'vitest';
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
/** A store whose usage answers `used`, counting how often it was asked. */
const usageStore = (used: number) => {
  const asked = { count: 0 };
  const store = {
    usage: {
      requestsOn: (userId: string, day: string) => {
        asked.count += 1;
        expect([userId, day]).toEqual(['u', '2026-11-27']);
        return Promise.resolve(used);
      },
    },
  } as unknown as Store;
  return { store, asked };
};

describe('enforceDailyQuota', () => {
  it('asks nothing and returns no promise without a daily quota, or for the admin key', () => {
    const { store, asked } = usageStore(100);
    expect(enforceDailyQuota({ store, principal: principal({}), now })).toBeUndefined();
    expect(
      enforceDailyQuota({ store, principal: principal({ requests_per_day: 1 }, 'admin_key'), now }),
    ).toBe(undefined);
    expect(asked.count).toBe(0);
  });

  it("reads the day's count under a quota, and refuses with 429 once it is used up", async () => {
    const under = usageStore(2);
    await expect(
      enforceDailyQuota({ store: under.store, principal: principal({ requests_per_day: 3 }), now }),
    ).resolves.toBe(undefined);
    expect(under.asked.count).toBe(1);
    let rejected = 0;
    const over = usageStore(3);
    const refusal = enforceDailyQuota({
      store: over.store,
      principal: principal({ requests_per_day: 3 }),
      now,
      onRejected: () => (rejected += 1),
    });
    await expect(refusal).rejects.toBeInstanceOf(AppError);
    await expect(refusal).rejects.toMatchObject({
      status: 429,
      code: 'daily_quota_exceeded',
      retryAfterSeconds: 43_200,
    });
    expect(rejected).toBe(1);
  });
});
