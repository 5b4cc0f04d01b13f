/**
 * The PoolState shared by every server process through Redis. Each method is one Lua script
 * (atomic on the server) except updateHealth, an optimistic read / compare-and-set loop.
 *
 * Lease times come from the Redis server's clock (TIME), so processes with skewed clocks still
 * agree on when a lease ends. Health records carry the pool's own times (cooldowns are computed
 * by the pool), as in the in-process state.
 *
 * With `owner`, lease ids are `<instance id>/<uuid>` and a lease also ends as soon as its
 * owner's heartbeat key is gone: a crashed process frees its accounts within the heartbeat
 * TTL instead of the (long) lease TTL.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { emptyHealth } from './state.js';
import type { HealthRecord, LeaseRequest, PoolState, WeightedCandidate } from './state.js';

export interface RedisPoolStateOptions {
  redis: Redis;
  /** Prefix of every key of this state, e.g. `cas:pool:`. */
  prefix: string;
  owner?: {
    /** This process's instance id (no `/`). */
    id: string;
    /** Heartbeat keys are `<aliveKeyPrefix><instance id>`. */
    aliveKeyPrefix: string;
  };
  /** Tries of updateHealth's compare-and-set before giving up (default 50). */
  maxHealthRetries?: number;
  /** Pub/sub channel on which a release of a full account is announced (see watchReleases). */
  releases?: {
    channel: string;
    subscribe(handler: () => void): Promise<() => Promise<void>>;
  };
}

/** Drops expired leases and, when ARGV[1] is set, leases of processes whose heartbeat is gone. */
const PURGE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function purge(key, alive_prefix, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if alive_prefix ~= '' then
    for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
      local owner = string.match(member, '^([^/]+)/')
      if owner and redis.call('EXISTS', alive_prefix .. owner) == 0 then
        redis.call('ZREM', key, member)
      end
    end
  end
end
`;

/** KEYS[1] lease zset; ARGV: alive prefix, max concurrency, ttl ms, lease id. */
const ACQUIRE = `${PURGE}
local now = now_ms()
purge(KEYS[1], ARGV[1], now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return false end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return ARGV[4]
`;

/** KEYS[1] lease zset; ARGV: alive prefix, ttl ms, lease id. */
const RENEW = `${PURGE}
local now = now_ms()
purge(KEYS[1], ARGV[1], now)
local ttl = tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/**
 * KEYS[1] lease zset; ARGV: alive prefix, lease id, max concurrency ('' = unknown), channel
 * ('' = none), account. Publishing from the script costs no round trip of its own.
 */
const RELEASE = `${PURGE}
purge(KEYS[1], ARGV[1], now_ms())
local was_full = ARGV[3] == '' or redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3])
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
if removed == 1 and was_full and ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return removed
`;

/** KEYS: lease zsets; ARGV[1] alive prefix. Returns live leases per key. */
const IN_FLIGHT = `${PURGE}
local now = now_ms()
local counts = {}
for i, key in ipairs(KEYS) do
  purge(key, ARGV[1], now)
  counts[i] = redis.call('ZCARD', key)
end
return counts
`;

/** Smooth weighted round-robin. KEYS[1] rotation hash, KEYS[2] rotation index; ARGV name, weight pairs. */
const PICK = `
redis.call('SADD', KEYS[2], KEYS[1])
local total, best, best_weight = 0, nil, nil
for i = 1, #ARGV, 2 do
  local weight = tonumber(ARGV[i + 1])
  total = total + weight
  local current = redis.call('HINCRBY', KEYS[1], ARGV[i], weight)
  if best == nil or current > best_weight then best, best_weight = ARGV[i], current end
end
redis.call('HINCRBY', KEYS[1], best, -total)
return best
`;

/** KEYS[1] health key; ARGV: expected JSON ('' = absent), new JSON. */
const HEALTH_CAS = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lease zset, health key, rotation index; ARGV[1] account. */
const FORGET = `
redis.call('DEL', KEYS[1], KEYS[2])
for _, rotation in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  redis.call('HDEL', rotation, ARGV[1])
end
return 1
`;

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

function parseHealth(raw: string | null | undefined): HealthRecord {
  if (!raw) return emptyHealth();
  try {
    return { ...emptyHealth(), ...(JSON.parse(raw) as Partial<HealthRecord>) };
  } catch {
    return emptyHealth();
  }
}

export function createRedisPoolState(options: RedisPoolStateOptions): PoolState {
  const { redis, prefix } = options;
  const alivePrefix = options.owner?.aliveKeyPrefix ?? '';
  const maxRetries = options.maxHealthRetries ?? 50;
  const keys = {
    lease: (account: string) => `${prefix}lease:${account}`,
    health: (account: string) => `${prefix}health:${account}`,
    rotation: (rotationKey: string) => `${prefix}rr:${rotationKey}`,
    rotationIndex: `${prefix}rr-index`,
  };

  const scripts = {
    acquire: { numberOfKeys: 1, lua: ACQUIRE },
    renew: { numberOfKeys: 1, lua: RENEW },
    release: { numberOfKeys: 1, lua: RELEASE },
    inFlight: { lua: IN_FLIGHT },
    pick: { numberOfKeys: 2, lua: PICK },
    healthCas: { numberOfKeys: 1, lua: HEALTH_CAS },
    forget: { numberOfKeys: 3, lua: FORGET },
  };
  for (const [name, definition] of Object.entries(scripts))
    redis.defineCommand(`casPool_${name}`, definition);
  const script = (name: keyof typeof scripts): ScriptCall => {
    const method = (redis as unknown as Record<string, ScriptCall>)[`casPool_${name}`];
    if (!method) throw new Error(`Redis script ${name} is not defined`);
    return method.bind(redis);
  };
  const run = {
    acquire: script('acquire'),
    renew: script('renew'),
    release: script('release'),
    inFlight: script('inFlight'),
    pick: script('pick'),
    healthCas: script('healthCas'),
    forget: script('forget'),
  };

  return {
    async pickWeighted(rotationKey: string, candidates: readonly WeightedCandidate[]) {
      if (candidates.length === 0) return undefined;
      const args = candidates.flatMap((c) => [c.name, Math.max(1, Math.floor(c.weight))]);
      const chosen = await run.pick(keys.rotation(rotationKey), keys.rotationIndex, ...args);
      return typeof chosen === 'string' ? chosen : undefined;
    },

    async acquireLease({ account, maxConcurrency, ttlMs }: LeaseRequest) {
      const id = options.owner ? `${options.owner.id}/${randomUUID()}` : randomUUID();
      const ttl = Math.max(1, Math.ceil(ttlMs));
      const result = await run.acquire(keys.lease(account), alivePrefix, maxConcurrency, ttl, id);
      return typeof result === 'string' ? result : undefined;
    },

    async renewLease(account: string, leaseId: string, ttlMs: number) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      return (await run.renew(keys.lease(account), alivePrefix, ttl, leaseId)) === 1;
    },

    async releaseLease(account: string, leaseId: string, maxConcurrency?: number) {
      const limit = maxConcurrency ?? '';
      const channel = options.releases?.channel ?? '';
      return (await run.release(keys.lease(account), alivePrefix, leaseId, limit, channel, account)) === 1;
    },

    ...(options.releases && { watchReleases: options.releases.subscribe }),

    async inFlight(accounts: readonly string[]) {
      if (accounts.length === 0) return new Map();
      const counts = (await run.inFlight(
        accounts.length,
        ...accounts.map(keys.lease),
        alivePrefix,
      )) as number[];
      return new Map(accounts.map((name, i) => [name, Number(counts[i] ?? 0)]));
    },

    async getHealth(accounts: readonly string[]) {
      if (accounts.length === 0) return new Map();
      const raw = await redis.mget(...accounts.map(keys.health));
      return new Map(accounts.map((name, i) => [name, parseHealth(raw[i])]));
    },

    async updateHealth(account: string, update: (current: HealthRecord) => HealthRecord) {
      const key = keys.health(account);
      for (let attempt = 0; attempt < maxRetries; attempt++) {
        const raw = (await redis.get(key)) ?? '';
        const next = update(parseHealth(raw));
        if ((await run.healthCas(key, raw, JSON.stringify(next))) === 1) return { ...next };
      }
      throw new Error(`Could not update the health of account ${account}: too much contention`);
    },

    async forget(account: string) {
      await run.forget(keys.lease(account), keys.health(account), keys.rotationIndex, account);
    },
  };
}
