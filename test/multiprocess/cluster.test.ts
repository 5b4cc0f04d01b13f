/**
 * Three real server processes on one PostgreSQL database and one Redis behave as one server:
 * shared round-robin, one-at-a-time leases, rate limits, revocations, conversations, and a
 * process killed mid-turn neither keeps its account busy nor leaves its turn pending.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisPoolState } from '../../src/pool/redis-state.js';
import { describeWithBinary } from '../helpers/binaries.js';
import { TEST_ADMIN_KEY } from '../helpers/config.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { simulatedReply, startUpstreamSim, type UpstreamSim } from '../upstream-sim/index.js';
import { startCluster, type Cluster } from './cluster.js';

const CHATGPT = ['c1', 'c2', 'c3', 'c4', 'c5'];
const OPENAI = ['o1', 'o2', 'o3'];
const LEASE_TTL_MS = 4000;
const HEARTBEAT_TTL_MS = 1500;

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function inBatches<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

const pgUrl = inject('pgUrl');
// Without PostgreSQL the global setup already failed under CI=true; elsewhere skip loudly.
if (!pgUrl) console.warn('[tests] SKIPPED (PostgreSQL not installed): three server processes as one');
const describeCluster = (title: string, body: () => void): void => {
  if (pgUrl) describeWithBinary('redis-server', title, body);
  else describe.skip(title, body);
};

describeCluster('three server processes on PostgreSQL + Redis', () => {
  let redis: RedisServer;
  let database: { url: string; drop(): Promise<void> };
  let sim: UpstreamSim;
  let cluster: Cluster;
  let key: string;
  const chat = (index: number, params: Record<string, unknown>, user = key) =>
    cluster.call(index, '/api/chat', { json: { user, ...params } });

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase(pgUrl);
    sim = await startUpstreamSim();
    for (const name of CHATGPT) sim.addAccount({ accessToken: `tok-${name}` });
    for (const name of OPENAI) sim.addApiKey(`sk-sim-${name}`);
    cluster = await startCluster({
      size: 3,
      sim,
      databaseUrl: database.url,
      redisUrl: redis.url,
      instances: [
        ...CHATGPT.map((name) => ({ name, access_token: `tok-${name}` })),
        ...OPENAI.map((name) => ({
          name,
          kind: 'openai',
          api_key: `sk-sim-${name}`,
          base_url: sim.openaiBaseUrl,
          models: ['api-mini'],
        })),
      ],
      models: [
        { name: 'auto', kinds: ['chatgpt'] },
        { name: 'api-mini', kinds: ['openai'], upstream: { openai: 'gpt-4o-mini' } },
      ],
      env: {
        POOL_LEASE_TTL_MS: String(LEASE_TTL_MS),
        INSTANCE_HEARTBEAT_TTL_MS: String(HEARTBEAT_TTL_MS),
        TURN_SWEEP_INTERVAL_MS: '300',
      },
    });
    key = await cluster.addUser('alice');
  }, 90_000);

  afterAll(async () => {
    try {
      await cluster?.stop();
      await sim?.close();
      await database?.drop();
    } finally {
      await redis?.stop();
    }
  });

  it('keeps round-robin fair over the union of 300 requests spread over the three processes', async () => {
    const start = sim.log.length;
    await inBatches(
      Array.from({ length: 300 }, (_, i) => i),
      9,
      async (i) => {
        const res = await chat(i % 3, { prompt: `fair ${i}`, model: 'api-mini' });
        expect(res.status, res.text).toBe(200);
      },
    );
    const perKey = new Map<string, number>();
    for (const entry of sim.log.slice(start))
      if (entry.path === '/v1/chat/completions' && entry.status === 200)
        perKey.set(entry.token ?? '', (perKey.get(entry.token ?? '') ?? 0) + 1);
    expect([...perKey.values()].reduce((a, b) => a + b, 0)).toBe(300);
    for (const name of OPENAI)
      expect(Math.abs((perKey.get(`sk-sim-${name}`) ?? 0) - 100)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('runs 30 parallel turns on one-at-a-time accounts without ever using an account twice at once', async () => {
    sim.setOptions({ chunkDelayMs: 15 }); // turns long enough to overlap
    const start = sim.log.length;
    try {
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) => chat(i % 3, { prompt: `parallel ${i}`, model: 'auto' })),
      );
      replies.forEach((res, i) => {
        expect(res.status, res.text).toBe(200);
        expect(res.json?.reply).toBe(simulatedReply(`parallel ${i}`, 0));
      });
    } finally {
      sim.setOptions({ chunkDelayMs: 0 });
    }
    const backend = sim.log.slice(start).filter((e) => e.path.startsWith('/backend-api/'));
    expect(backend.filter((e) => e.status === 429 || e.status === 409)).toEqual([]);
    const sends = backend.filter((e) => e.method === 'POST' && /\/conversation$/.test(e.path));
    expect(sends).toHaveLength(30);
    expect(new Set(sends.map((e) => e.token)).size).toBe(CHATGPT.length);
  }, 60_000);

  it('holds a per-user limit of N per minute in total, not N per process', async () => {
    const limited = await cluster.addUser('carol', { requests_per_minute: 6 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await chat(i % 3, { prompt: '' }, limited)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('refuses a key revoked on process 1 on process 3 within one second', async () => {
    const oldKey = await cluster.addUser('bob');
    expect((await chat(2, { prompt: '' }, oldKey)).status).toBe(200);
    const rotated = await cluster.call(0, '/api/admin/rotate-key', {
      json: { user_id: 'bob' },
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(rotated.status, rotated.text).toBe(200);
    const refused = await eventually(
      () => chat(2, { prompt: '' }, oldKey),
      (res) => res.status === 401,
      1000,
    );
    expect(refused.status).toBe(401);
    expect((await chat(2, { prompt: '' }, rotated.json?.api_key as string)).status).toBe(200);
  });

  it('continues on process 2 a conversation started on process 1', async () => {
    const first = await chat(0, { prompt: 'first on one', model: 'auto' });
    expect(first.status, first.text).toBe(200);
    const second = await chat(1, {
      prompt: 'second on two',
      model: 'auto',
      conversation_id: first.json?.conversation_id,
    });
    expect(second.status, second.text).toBe(200);
    expect(second.json).toMatchObject({
      reply: simulatedReply('second on two', 1),
      account: first.json?.account,
      conversation_id: first.json?.conversation_id,
    });
  });

  it('frees the lease of a process killed mid-turn, marks its turn incomplete, and keeps serving', async () => {
    const observer = new Redis(redis.url);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const pool = createRedisPoolState({
        redis: observer,
        prefix: 'cas:pool:',
        owner: { id: 'observer', aliveKeyPrefix: 'cas:instance:' },
      });
      const first = await chat(2, { prompt: 'before the crash', model: 'auto' });
      const account = first.json?.account as string;
      const conversationId = first.json?.conversation_id as string;
      sim.setFault(`tok-${account}`, { type: 'stall_mid_stream', afterChunks: 1 }, 1);
      // A streaming follow-up on process 3 stalls mid-reply, holding the account's lease.
      const victim = cluster.processes[2]!;
      const stream = await request(`${victim.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: key, prompt: 'cut off', conversation_id: conversationId, stream: true }),
      });
      expect(stream.statusCode).toBe(200);
      stream.body.on('error', () => undefined);
      expect((await pool.inFlight([account])).get(account)).toBe(1);
      // The turn's start is committed as it begins, but the first byte does not wait for that
      // commit: on a loaded machine it can still be on its way. Killed mid-turn means after it.
      await eventually(
        async () =>
          (
            await db.query('select count(*)::int as n from turns where conversation_id = $1', [
              conversationId,
            ])
          ).rows[0] as { n: number },
        (row) => row.n === 2,
        5000,
      );

      victim.child.kill('SIGKILL');
      await eventually(
        () => pool.inFlight([account]),
        (m) => m.get(account) === 0,
        LEASE_TTL_MS + 2000,
      );
      const turns = await eventually(
        async () =>
          (
            await db.query('select status, error_code from turns where conversation_id = $1 order by seq', [
              conversationId,
            ])
          ).rows as { status: string; error_code: string | null }[],
        (rows) => rows.at(-1)?.status === 'incomplete',
        HEARTBEAT_TTL_MS + 5000,
      );
      expect(turns.at(-1)).toEqual({ status: 'incomplete', error_code: 'interrupted' });

      const survivors = await Promise.all(
        Array.from({ length: 6 }, (_, i) => chat(i % 2, { prompt: `after ${i}`, model: 'auto' })),
      );
      for (const res of survivors) expect(res.status, res.text).toBe(200);
      // The dead process's account serves again, from another process.
      const resumed = await chat(0, {
        prompt: 'after the crash',
        model: 'auto',
        conversation_id: conversationId,
      });
      expect(resumed.status, resumed.text).toBe(200);
      expect(resumed.json?.account).toBe(account);
    } finally {
      observer.disconnect();
      await db.end();
    }
  }, 60_000);
});
