/**
 * Browser sessions for the pages. A session holds the user id and a hash of the key that
 * started it (never the key), so rotating or removing that key, or disabling the user, ends
 * the session at once. Storage sits behind SessionStore: the database (below), or Redis when
 * several processes share the state (shared-state/session-store.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey } from '../auth/keys.js';
import type { Store } from '../store/index.js';
import type { SessionQueries } from '../store/sessions.js';
import { parseLimits } from '../users/presenter.js';
import { ADMIN_USER_ID, type Principal } from '../users/principal.js';

export interface SessionData {
  userId: string;
  /** SHA-256 of the key used to sign in, to notice a rotated or revoked key. */
  keyHash: string;
  createdAt: number;
}

export interface SessionStore {
  get(id: string): Promise<SessionData | undefined>;
  set(id: string, data: SessionData, ttlMs: number): Promise<void>;
  delete(id: string): Promise<void>;
}

/** How often, at most, a sign-in also deletes the expired sessions. */
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** Sessions one user keeps at once; a sign-in past it ends their oldest. */
export const MAX_SESSIONS_PER_USER = 20;

/**
 * Sessions in the database, for a deployment without Redis: a restart keeps everyone signed in.
 * Expired rows are never returned, and are deleted now and then when someone signs in. A user's
 * sessions are capped, so a key holder signing in over and over cannot grow the table.
 */
export function createStoredSessionStore(options: {
  sessions: SessionQueries;
  clock?: () => number;
  maxPerUser?: number;
}): SessionStore {
  const { sessions } = options;
  const maxPerUser = options.maxPerUser ?? MAX_SESSIONS_PER_USER;
  const clock = options.clock ?? Date.now;
  let nextSweepAt = 0;
  return {
    async get(id) {
      const row = await sessions.get(id, clock());
      return row && { userId: row.user_id, keyHash: row.key_hash, createdAt: row.created_at };
    },
    async set(id, data, ttlMs) {
      const now = clock();
      if (now >= nextSweepAt) {
        nextSweepAt = now + SWEEP_EVERY_MS;
        await sessions.removeExpired(now);
      }
      await sessions.put({
        id,
        user_id: data.userId,
        key_hash: data.keyHash,
        created_at: data.createdAt,
        expires_at: now + ttlMs,
      });
      await sessions.removeOldest(data.userId, maxPerUser);
    },
    async delete(id) {
      await sessions.remove(id);
    },
  };
}

export const SESSION_COOKIE = 'cas_session';
const DEFAULT_TTL_MS = 12 * 3600 * 1000;

/** The store is keyed by a hash of the cookie value, so a leaked store dump holds no live ids. */
const storeKey = (sessionId: string): string => createHash('sha256').update(sessionId).digest('hex');

export interface BrowserSessionsOptions {
  store: Store;
  sessions: SessionStore;
  adminApiKey: string;
  ttlMs?: number;
  clock?: () => number;
}

export function createBrowserSessions(options: BrowserSessionsOptions) {
  const { store, sessions } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const clock = options.clock ?? Date.now;
  const adminKeyHash = hashApiKey(options.adminApiKey);

  const cookieOf = (request: FastifyRequest): string | undefined => {
    const value = request.cookies[SESSION_COOKIE];
    return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
  };

  async function principalFor(data: SessionData): Promise<Principal | undefined> {
    if (data.userId === ADMIN_USER_ID) {
      if (data.keyHash !== adminKeyHash) return undefined;
      return {
        userId: ADMIN_USER_ID,
        username: 'admin',
        plus: true,
        admin: true,
        client: false,
        via: 'admin_key',
        limits: {},
      };
    }
    const user = await store.users.findById(data.userId);
    if (!user || user.disabled === 1) return undefined;
    if (!(await store.users.activeKeyHashes(user.id, clock())).includes(data.keyHash)) return undefined;
    return {
      userId: user.id,
      username: user.username,
      plus: user.is_plus === 1,
      admin: user.is_admin === 1,
      client: user.is_client === 1,
      via: 'user_key',
      limits: parseLimits(user.limits),
    };
  }

  return {
    /** The signed-in principal, or undefined (no cookie, expired, or the key no longer valid). */
    async principal(request: FastifyRequest): Promise<Principal | undefined> {
      const id = cookieOf(request);
      if (!id) return undefined;
      const data = await sessions.get(storeKey(id));
      if (!data) return undefined;
      const principal = await principalFor(data);
      if (!principal) await sessions.delete(storeKey(id));
      return principal;
    },

    /** Starts a session with a NEW id (any previous one is dropped) and sets the cookie. */
    async start(request: FastifyRequest, reply: FastifyReply, input: { userId: string; key: string }) {
      const previous = cookieOf(request);
      if (previous) await sessions.delete(storeKey(previous));
      const id = randomBytes(32).toString('base64url');
      await sessions.set(
        storeKey(id),
        { userId: input.userId, keyHash: hashApiKey(input.key), createdAt: clock() },
        ttlMs,
      );
      reply.setCookie(SESSION_COOKIE, id, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: 'auto',
        maxAge: Math.floor(ttlMs / 1000),
      });
    },

    /** Invalidates the session server-side and clears the cookie. */
    async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const id = cookieOf(request);
      if (id) await sessions.delete(storeKey(id));
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto' });
    },
  };
}

export type BrowserSessions = ReturnType<typeof createBrowserSessions>;

/**
 * What CSRF tokens are bound to: the session cookie as sent (never empty, which the token
 * library refuses). Signing in or out changes it, so older tokens stop working.
 */
export const csrfUserInfo = (request: FastifyRequest): string =>
  `session:${request.cookies[SESSION_COOKIE] ?? ''}`;
