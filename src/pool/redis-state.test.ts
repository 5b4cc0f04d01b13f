import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinary } from '../../test/helpers/binaries.js';
import { startRedis, type RedisServer } from '../../test/helpers/redis.js';
import { createMemoryPoolState } from './memory-state.js';
import { createRedisPoolState } from './redis-state.js';
import type { PoolState } from './state.js';

const waitUntil = async (check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describeWithBinary('redis-server', 'RedisPoolState', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let run = 0;
  /** Two "processes": separate connections on the same keys. */
  const twoProcesses = (owner?: (client: number) => { id: string; aliveKeyPrefix: string }) => {
    const prefix = `test${++run}:pool:`;
    return [0, 1].map((i) => {
      const redis = new Redis(server.url);
      clients.push(redis);
      return { redis, state: createRedisPoolState({ redis, prefix, owner: owner?.(i) }) };
    }) as [{ redis: Redis; state: PoolState }, { redis: Redis; state: PoolState }];
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
  });

  it('picks in the same smooth weighted order as the in-process state, across processes', async () => {
    const [a, b] = twoProcesses();
    const memory = createMemoryPoolState();
    const candidates = [
      { name: 'x', weight: 5 },
      { name: 'y', weight: 1 },
      { name: 'z', weight: 1 },
    ];
    const shared: (string | undefined)[] = [];
    const expected: (string | undefined)[] = [];
    for (let i = 0; i < 21; i++) {
      shared.push(await (i % 2 === 0 ? a : b).state.pickWeighted('free', candidates));
      expected.push(await memory.pickWeighted('free', candidates));
    }
    expect(shared).toEqual(expected);
    expect(shared.filter((n) => n === 'x')).toHaveLength(15);
    expect(await a.state.pickWeighted('free', [])).toBeUndefined();
  });

  it('hands out one-at-a-time leases exactly once under concurrent acquisition', async () => {
    const [a, b] = twoProcesses();
    const attempts = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).state.acquireLease({ account: 'acct', maxConcurrency: 3, ttlMs: 60_000 }),
    );
    const granted = (await Promise.all(attempts)).filter((id) => id !== undefined);
    expect(granted).toHaveLength(3);
    expect((await b.state.inFlight(['acct', 'other'])).get('acct')).toBe(3);
    expect(await b.state.releaseLease('acct', granted[0] as string)).toBe(true);
    expect(await a.state.releaseLease('acct', granted[0] as string)).toBe(false);
    expect((await a.state.inFlight(['acct'])).get('acct')).toBe(2);
    expect((await a.state.inFlight(['other'])).get('other')).toBe(0);
  });

  it('lets a lease expire after its TTL, after which releasing it says so', async () => {
    const [a, b] = twoProcesses();
    const id = await a.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 150 });
    expect(id).toBeDefined();
    expect(await b.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 150 })).toBeUndefined();
    await waitUntil(async () => (await b.state.inFlight(['acct'])).get('acct') === 0, 5000);
    expect(await a.state.releaseLease('acct', id as string)).toBe(false);
    expect(await b.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 60_000 })).toBeDefined();
  });

  it('renews a held lease past its first TTL, and refuses to renew one that ended', async () => {
    const [a, b] = twoProcesses();
    const id = (await a.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 150 })) as string;
    expect(await b.state.renewLease('acct', id, 60_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await a.state.inFlight(['acct'])).get('acct')).toBe(1);
    expect(await b.state.releaseLease('acct', id)).toBe(true);
    expect(await a.state.renewLease('acct', id, 60_000)).toBe(false);
    expect((await a.state.inFlight(['acct'])).get('acct')).toBe(0);
  });

  it('announces a release only when the account was full', async () => {
    const redis = new Redis(server.url);
    const subscriber = new Redis(server.url);
    clients.push(redis, subscriber);
    const channel = `test${++run}:released`;
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, account: string) => heard.push(account));
    await subscriber.subscribe(channel);
    const state = createRedisPoolState({
      redis,
      prefix: `test${run}:pool:`,
      releases: { channel, subscribe: async () => async () => undefined },
    });
    const lease = () => state.acquireLease({ account: 'acct', maxConcurrency: 2, ttlMs: 60_000 });
    const [first, second] = [(await lease()) as string, (await lease()) as string];
    expect(await state.releaseLease('acct', first, 2)).toBe(true); // was full: 2 of 2
    const third = (await lease()) as string;
    expect(await state.releaseLease('acct', third, 2)).toBe(true); // full again
    expect(await state.releaseLease('acct', second, 2)).toBe(true); // 1 of 2: nobody can be waiting
    expect(await state.releaseLease('acct', second, 2)).toBe(false); // already gone: nothing to say
    await waitUntil(async () => heard.length >= 2, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual(['acct', 'acct']);
  });

  it("ends a lease when its owner's heartbeat key disappears", async () => {
    const alive = `test-alive${run + 1}:`;
    const [a, b] = twoProcesses((i) => ({ id: `proc${i}`, aliveKeyPrefix: alive }));
    await a.redis.set(`${alive}proc0`, '1');
    await a.redis.set(`${alive}proc1`, '1');
    const held = await a.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 600_000 });
    expect(held).toMatch(/^proc0\//);
    expect(
      await b.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 600_000 }),
    ).toBeUndefined();
    await a.redis.del(`${alive}proc0`); // process 0 died
    expect(await b.state.acquireLease({ account: 'acct', maxConcurrency: 1, ttlMs: 600_000 })).toMatch(
      /^proc1\//,
    );
  });

  it('keeps every concurrent health update (compare-and-set retries)', async () => {
    const [a, b] = twoProcesses();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? a : b).state.updateHealth('acct', (h) => ({ ...h, served: h.served + 1 })),
      ),
    );
    const health = await b.state.getHealth(['acct', 'fresh']);
    expect(health.get('acct')?.served).toBe(60);
    expect(health.get('fresh')).toMatchObject({ disabled: false, served: 0, ejectionCount: 0 });
    const after = await a.state.updateHealth('acct', (h) => ({
      ...h,
      disabled: true,
      disabledReason: 'admin',
      cooldownUntil: 1234,
    }));
    expect(after).toMatchObject({ disabled: true, cooldownUntil: 1234, served: 60 });
    expect((await b.state.getHealth(['acct'])).get('acct')).toMatchObject({
      disabled: true,
      disabledReason: 'admin',
      cooldownUntil: 1234,
    });
  });

  it('forgets an account: health, leases and rotation position', async () => {
    const [a, b] = twoProcesses();
    await a.state.updateHealth('gone', (h) => ({ ...h, disabled: true }));
    await a.state.acquireLease({ account: 'gone', maxConcurrency: 1, ttlMs: 60_000 });
    const pair = [
      { name: 'gone', weight: 1 },
      { name: 'kept', weight: 2 },
    ];
    const memory = createMemoryPoolState();
    for (const state of [a.state, memory]) await state.pickWeighted('free', pair);
    await b.state.forget('gone');
    await memory.forget('gone');
    expect((await a.state.getHealth(['gone'])).get('gone')?.disabled).toBe(false);
    expect((await a.state.inFlight(['gone'])).get('gone')).toBe(0);
    const shared: (string | undefined)[] = [];
    const expected: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      shared.push(await a.state.pickWeighted('free', pair));
      expected.push(await memory.pickWeighted('free', pair));
    }
    expect(shared).toEqual(expected);
  });
});
