/**
 * Rate limits: requests per minute per user key (from the user's limits), and failed
 * authentications per client IP (brute force). Counters live in a RateLimitStore so several
 * processes can share them (memory here, Redis elsewhere).
 *
 * Failed authentication: every 401 answer (thrown, or a sign-in page rendered with 401) counts
 * against the caller's IP; once the IP reaches the limit, every request from it until the window
 * ends gets 429 + Retry-After. Blocking the whole IP (not only further failures) is what stops a
 * brute force: otherwise a right guess would still answer 200 while wrong ones answer 429.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tooManyRequests } from '../errors.js';
import type { Principal } from '../users/principal.js';

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** 0 when allowed; else how long until the window resets. */
  retryAfterMs: number;
}

/** Fixed-window counters. Implementations must make `hit` atomic (count + decide in one step). */
export interface RateLimitStore {
  /** Counts one hit on `key` (a window of `windowMs` starts at its first hit); allowed while count ≤ limit. */
  hit(key: string, windowMs: number, limit: number): Promise<RateLimitDecision>;
  /**
   * Would one more hit be allowed? Counts nothing. Every request asks this (the auth throttle):
   * a store that knows at once answers without a promise.
   */
  peek(key: string, windowMs: number, limit: number): RateLimitDecision | Promise<RateLimitDecision>;
}

export type RateLimitReason = 'user_rate' | 'auth_failures';

export interface RateLimiter {
  /**
   * Rejects with 429 when the user went over their requests_per_minute. Undefined (no promise,
   * no wait) for a caller without such a limit, as most are: every request asks.
   */
  enforceUserRate(principal: Principal): Promise<void> | undefined;
  /**
   * Rejects with 429 while this IP is blocked for failed authentications. Undefined (no promise,
   * no wait) when the store answered at once that the address is not blocked.
   */
  checkAuthBlocked(ip: string): Promise<void> | undefined;
  /** Counts a failed authentication. */
  recordAuthFailure(ip: string): Promise<void>;
}

const MINUTE_MS = 60_000;
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export const AUTH_THROTTLED_MESSAGE =
  'Too many failed authentication attempts from your address; retry later';

const authThrottled = (retryAfterMs: number) =>
  tooManyRequests(AUTH_THROTTLED_MESSAGE, seconds(retryAfterMs), 'auth_throttled');

export function createRateLimiter(options: {
  store: RateLimitStore;
  authFailuresPerMinute: number;
  onLimited?: (reason: RateLimitReason) => void;
}): RateLimiter {
  const { store, authFailuresPerMinute } = options;
  const limited = (reason: RateLimitReason) => options.onLimited?.(reason);
  const refuseIfBlocked = (decision: RateLimitDecision): void => {
    if (decision.allowed) return;
    limited('auth_failures');
    throw authThrottled(decision.retryAfterMs);
  };
  return {
    enforceUserRate(principal) {
      const perMinute = principal.limits.requests_per_minute;
      if (!perMinute || principal.via === 'admin_key') return undefined;
      return store.hit(`user:${principal.userId}`, MINUTE_MS, perMinute).then((decision) => {
        if (decision.allowed) return;
        limited('user_rate');
        throw tooManyRequests(
          `Rate limit reached: ${perMinute} requests per minute for this key`,
          seconds(decision.retryAfterMs),
          'user_rate_limited',
        );
      });
    },
    checkAuthBlocked(ip) {
      const decision = store.peek(`authfail:${ip}`, MINUTE_MS, authFailuresPerMinute);
      if (decision instanceof Promise) return decision.then(refuseIfBlocked);
      return decision.allowed ? undefined : Promise.resolve(decision).then(refuseIfBlocked);
    },
    async recordAuthFailure(ip) {
      await store.hit(`authfail:${ip}`, MINUTE_MS, authFailuresPerMinute);
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by buildApp; optional so a bare app in a unit test still authenticates. */
    rateLimiter?: RateLimiter;
  }
}

/**
 * 401s about the caller's ChatGPT credentials (a mistyped ChatGPT password, an expired session
 * or access token), not about our keys: they have their own per-email/per-user throttles and
 * must not block the whole address.
 */
const UPSTREAM_CREDENTIAL_CODES = new Set(['wrong_credentials', 'token_expired', 'access_token_invalid']);

/** Health probes stay answerable for a blocked address (load balancers share addresses). */
const UNTHROTTLED = /^\/(healthz|readyz|metrics)(\/|\?|$)/;

/**
 * Blocks throttled IPs early (before the body is read), counts every 401 on its way out (before
 * the client can send the next guess), and decorates the app for auth.ts.
 */
export function registerRateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.decorate('rateLimiter', limiter);
  // `done` rather than async, like the other hooks every request passes.
  app.addHook('onRequest', (request, _reply, done) => {
    if (UNTHROTTLED.test(request.url)) return done();
    const blocked = limiter.checkAuthBlocked(request.ip);
    if (!blocked) return done();
    blocked.then(
      () => done(),
      (error: unknown) => done(error as Error),
    );
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode !== 401 || UPSTREAM_CREDENTIAL_CODES.has(String(reply.getHeader('x-error-code'))))
      return done(null, payload);
    limiter.recordAuthFailure(request.ip).then(
      () => done(null, payload),
      (error: unknown) => done(error as Error),
    );
  });
}

/**
 * Called once the principal is known (authenticateUser, session pages). Undefined when there is
 * nothing to wait for (no limiter, or no per-minute limit): the hot paths then skip the await.
 */
export function enforceUserRate(request: FastifyRequest, principal: Principal): Promise<void> | undefined {
  return request.server.rateLimiter?.enforceUserRate(principal);
}
