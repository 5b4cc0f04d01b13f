import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithBinary } from '../../test/helpers/binaries.js';
import { freePort } from '../../test/helpers/ports.js';
import { startRedis, type RedisServer } from '../../test/helpers/redis.js';
import { testConfig } from '../../test/helpers/config.js';
import { conversationRow, turnRow } from '../../test/helpers/rows.js';
import { createLogger } from '../logging/logger.js';
import { startServer } from '../server.js';
import { createAccountPool } from '../pool/index.js';
import { openStore, type Store } from '../store/index.js';
import { connectRedis, SharedStateError } from './connection.js';
import { connectSharedState, type SharedState } from './index.js';
import { createRedisSessionStore } from './session-store.js';

const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('connectRedis', () => {
  it('fails fast with a clear message that never shows the password', async () => {
    const port = await freePort();
    const error = await connectRedis({
      url: `redis://:s3cret-pass@127.0.0.1:${port}/2`,
      connectTimeoutMs: 1000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SharedStateError);
    expect((error as Error).message).toContain(`Redis at redis://127.0.0.1:${port}/2 is not reachable`);
    expect((error as Error).message).not.toContain('s3cret-pass');
  });
});

describe('startServer with REDIS_URL', () => {
  it('refuses to start when Redis is not reachable, saying why', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cas-noredis-'));
    try {
      const config = testConfig({ dataDir, redisUrl: `redis://127.0.0.1:${port}` });
      await expect(
        startServer({ config, logger: createLogger({ level: 'silent', pretty: false }) }),
      ).rejects.toThrow(`Redis at redis://127.0.0.1:${port} is not reachable`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describeWithBinary('redis-server', 'shared state on a real Redis', () => {
  let redis: RedisServer;
  let dataDir: string;
  let store: Store;
  const states: SharedState[] = [];
  let prefixRun = 0;
  const connect = async (instanceId: string, heartbeatTtlMs = 10_000): Promise<SharedState> => {
    const state = await connectSharedState({
      url: redis.url,
      instanceId,
      heartbeatTtlMs,
      keyPrefix: `t${prefixRun}:`,
    });
    states.push(state);
    return state;
  };

  beforeAll(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(path.join(tmpdir(), 'cas-shared-'));
    store = await openStore({ dataDir, instanceId: 'writer' });
  });
  afterAll(async () => {
    for (const state of states) await state.close();
    await store?.close();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells live processes from dead ones by their heartbeat', async () => {
    prefixRun++;
    const a = await connect('proc-a', 300);
    const b = await connect('proc-b', 300);
    expect(await a.heartbeat.alive(['proc-a', 'proc-b', 'proc-x'])).toEqual(new Set(['proc-a', 'proc-b']));
    // Kept alive by its timer well past the TTL.
    await new Promise((r) => setTimeout(r, 700));
    expect(await a.heartbeat.alive(['proc-b'])).toEqual(new Set(['proc-b']));
    await b.close();
    expect(await a.heartbeat.alive(['proc-b'])).toEqual(new Set());
  });

  it('marks incomplete only the pending turns of processes whose heartbeat is gone', async () => {
    prefixRun++;
    const live = await connect('live');
    await store.conversations.insert(conversationRow({ id: 'c1', user_id: 'u' }));
    const turn = (id: string, seq: number, owner: string | null) =>
      store.turns.insert(turnRow({ id, conversation_id: 'c1', seq, user_id: 'u', reply: 'partial', owner }));
    await turn('t-live', 0, 'live');
    await turn('t-dead', 1, 'dead');
    await turn('t-legacy', 2, null);
    expect(await live.watchTurns(store.turns, 60_000)).toBe(2);
    const byId = new Map((await store.turns.listForConversation('c1')).map((t) => [t.id, t]));
    expect(byId.get('t-live')?.status).toBe('pending');
    expect(byId.get('t-dead')).toMatchObject({
      status: 'incomplete',
      error_code: 'interrupted',
      reply: 'partial',
    });
    expect(byId.get('t-legacy')?.status).toBe('incomplete');
  });

  it('records this process as the owner of the turns it inserts', async () => {
    const [row] = (await store.turns.listForConversation('c1')).filter((t) => t.id === 't-live');
    expect(row?.owner).toBe('live');
    expect(await store.turns.pendingOwners()).toEqual(['live']);
  });

  it('delivers invalidations published by one process to the others', async () => {
    prefixRun++;
    const a = await connect('bus-a');
    const b = await connect('bus-b');
    const seen: string[] = [];
    const unsubscribe = await b.bus.subscribe('api-key', (id) => seen.push(id));
    await a.bus.publish('api-key', 'hash-1');
    await waitFor(() => seen.length === 1, 5000);
    expect(seen).toEqual(['hash-1']);
    await unsubscribe();
    await a.bus.publish('api-key', 'hash-2');
    await a.bus.publish('other', 'x');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['hash-1']);
  });

  it("wakes another process's waiter as soon as a full account frees its slot", async () => {
    prefixRun++;
    const account = { name: 'one', kind: 'chatgpt', plus: false, weight: 1, maxConcurrency: 1 } as const;
    // Polling once a minute: only the release message can serve the waiter before it gives up.
    const options = { pollIntervalMs: 60_000, queueTimeoutMs: 8_000 };
    const request = { tier: 'free', userPlus: false, signal: new AbortController().signal } as const;
    const [a, b] = await Promise.all([connect('wake-a'), connect('wake-b')]);
    const poolA = createAccountPool({ state: a.poolState, accounts: [account], options });
    const poolB = createAccountPool({ state: b.poolState, accounts: [account], options });
    const held = await poolA.acquire(request);
    const waiting = poolB.acquire(request);
    await waitFor(
      async () => (await b.redis.pubsub('NUMSUB', a.bus.channel('pool-released')))[1] === 2,
      5000,
    );
    await new Promise((r) => setTimeout(r, 100)); // B has tried once and is queued
    await poolA.release(held, { ok: true });
    const lease = await waiting;
    expect(lease.account.name).toBe('one');
    await poolB.release(lease, { ok: true });
    poolA.close();
    poolB.close();
  });

  it('shares fixed-window rate-limit counters between processes', async () => {
    prefixRun++;
    const a = await connect('rl-a');
    const b = await connect('rl-b');
    const decisions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).rateLimitStore.hit('user:alice', 60_000, 5)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await a.rateLimitStore.peek('user:alice', 60_000, 5)).toMatchObject({ allowed: false });
    expect(await a.rateLimitStore.peek('user:bob', 60_000, 5)).toEqual({
      allowed: true,
      remaining: 5,
      retryAfterMs: 0,
    });
    await b.rateLimitStore.hit('short', 100, 1);
    expect((await b.rateLimitStore.hit('short', 100, 1)).allowed).toBe(false);
    await waitFor(async () => (await a.rateLimitStore.hit('short', 100, 1)).allowed, 5000);
  });

  it('shares browser sessions and their expiry between processes', async () => {
    prefixRun++;
    const a = await connect('s-a');
    const b = await connect('s-b');
    const data = { userId: 'alice', keyHash: 'abc', createdAt: 5 };
    await a.sessionStore.set('sid-1', data, 60_000);
    expect(await b.sessionStore.get('sid-1')).toEqual(data);
    await b.sessionStore.delete('sid-1');
    expect(await a.sessionStore.get('sid-1')).toBeUndefined();
    await a.sessionStore.set('sid-2', data, 50);
    await waitFor(async () => (await b.sessionStore.get('sid-2')) === undefined, 5000);
  });

  it("caps a user's sessions: a sign-in past the cap ends that user's oldest, in every process", async () => {
    const client = await connectRedis({ url: redis.url, connectTimeoutMs: 2000 });
    try {
      const sessions = createRedisSessionStore({ redis: client, keyPrefix: 'tcap:session:', maxPerUser: 3 });
      const data = (userId: string, createdAt: number) => ({ userId, keyHash: 'h', createdAt });
      await sessions.set('bob-1', data('bob', 0), 60_000);
      // Equal lifetimes, so the one that ends first is the one signed in first.
      for (let i = 1; i <= 5; i++) {
        await sessions.set(`alice-${i}`, data('alice', i), 60_000 + i);
      }
      const alive = async (ids: string[]) =>
        (await Promise.all(ids.map(async (id) => ((await sessions.get(id)) ? id : undefined)))).filter(
          Boolean,
        );
      const alices = ['alice-1', 'alice-2', 'alice-3', 'alice-4', 'alice-5'];
      expect(await alive(alices)).toEqual(['alice-3', 'alice-4', 'alice-5']);
      expect(await alive(['bob-1'])).toEqual(['bob-1']); // another user's sessions are not touched

      // A signed-out session leaves the list: the next sign-in ends nobody.
      await sessions.delete('alice-4');
      await sessions.set('alice-6', data('alice', 6), 60_000 + 6);
      expect(await alive([...alices, 'alice-6'])).toEqual(['alice-3', 'alice-5', 'alice-6']);
      expect(await client.zcard('tcap:session:by-user:alice')).toBe(3);
      const listTtl = await client.pttl('tcap:session:by-user:alice');
      expect(listTtl).toBeGreaterThan(0);
      expect(listTtl).toBeLessThanOrEqual(60_006);
    } finally {
      await client.quit();
    }
  });
});
