/** The HTTP-facing errors of the pool, with messages that say what happened and until when. */
import { AppError, forbidden, notFound, serviceUnavailable, tooManyRequests } from '../errors.js';
import { isCooling, isEjected } from './health.js';
import type { HealthRecord } from './state.js';
import type { AcquireRequest, PoolAccountSpec } from './types.js';

export const NO_ACCOUNT_AVAILABLE = 'no_account_available';
/** `details.reason` of the 503 thrown when every usable account was excluded (already tried). */
export const ALL_TRIED = 'all_tried';

export function describeSelection(
  request: Pick<AcquireRequest, 'tier' | 'kinds' | 'model' | 'userPlus'>,
): string {
  const tier = request.tier === 'any' && !request.userPlus ? 'free' : request.tier;
  const kinds = request.kinds && request.kinds.length > 0 ? ` (${request.kinds.join('/')} accounts)` : '';
  const model = request.model ? ` serving ${request.model}` : '';
  return `the ${tier} tier${kinds}${model}`;
}

const secondsUntil = (until: number, now: number): number => Math.max(1, Math.ceil((until - now) / 1000));

export const plusNotAllowed = (): AppError =>
  forbidden('Your API key does not allow plus accounts (plus=true).', 'plus_not_allowed');

export const noAccountConfigured = (selection: string): AppError =>
  new AppError(503, NO_ACCOUNT_AVAILABLE, `No account is configured for ${selection}.`, {
    details: { reason: 'empty_tier' },
  });

export const allAccountsTried = (selection: string): AppError =>
  new AppError(503, NO_ACCOUNT_AVAILABLE, `Every account of ${selection} failed for this request.`, {
    details: { reason: ALL_TRIED },
  });

interface Unavailable {
  spec: PoolAccountSpec;
  record: HealthRecord;
}

const backAt = (record: HealthRecord, now: number): number | undefined => {
  if (record.disabled) return undefined;
  if (isCooling(record, now)) return Math.max(record.cooldownUntil ?? 0, record.ejectedUntil ?? 0);
  return isEjected(record, now) ? record.ejectedUntil : undefined;
};

/** Every eligible account is cooling, ejected or disabled. */
export function tierUnavailable(selection: string, accounts: readonly Unavailable[], now: number): AppError {
  const counts = { rate: 0, blocked: 0, ejected: 0, disabled: 0 };
  for (const { record } of accounts) {
    if (record.disabled) counts.disabled += 1;
    else if (isCooling(record, now) && record.cooldownKind === 'rate_limited') counts.rate += 1;
    else if (isCooling(record, now)) counts.blocked += 1;
    else counts.ejected += 1;
  }
  const parts = [
    counts.rate && `${counts.rate} cooling down after upstream rate limits`,
    counts.blocked && `${counts.blocked} cooling down after an upstream block`,
    counts.ejected && `${counts.ejected} paused after repeated upstream errors`,
    counts.disabled && `${counts.disabled} disabled`,
  ].filter(Boolean);
  const returns = accounts.map(({ record }) => backAt(record, now)).filter((t) => t !== undefined);
  if (returns.length === 0) {
    return new AppError(
      503,
      NO_ACCOUNT_AVAILABLE,
      `Every account of ${selection} is disabled until an admin enables it.`,
      { details: { reason: 'all_disabled' } },
    );
  }
  const first = Math.min(...returns);
  const retryAfter = secondsUntil(first, now);
  const message =
    `No account of ${selection} is available right now (${parts.join(', ')}); ` +
    `the first one is expected back in ${retryAfter} s, at ${new Date(first).toISOString()}.`;
  const allRateLimited = counts.rate === accounts.length - counts.disabled && counts.rate > 0;
  const options = {
    retryAfterSeconds: retryAfter,
    details: { reason: 'unavailable', availableAt: new Date(first).toISOString() },
  };
  return allRateLimited
    ? new AppError(429, 'rate_limited', message, options)
    : new AppError(503, NO_ACCOUNT_AVAILABLE, message, options);
}

export const conversationAccountGone = (): AppError =>
  notFound(
    'The instance that started this conversation no longer exists; start a new conversation.',
    'conversation_account_gone',
  );

/** The sticky account of a follow-up cannot take it now. */
export function conversationAccountUnavailable(
  spec: PoolAccountSpec,
  record: HealthRecord,
  now: number,
): AppError {
  const subject = `The account that started this conversation (${spec.name})`;
  if (record.disabled) {
    return new AppError(
      503,
      'conversation_account_unavailable',
      `${subject} is disabled: ${record.disabledReason ?? 'by an admin'}.`,
    );
  }
  const until = backAt(record, now) ?? now;
  const retryAfter = secondsUntil(until, now);
  const why = isCooling(record, now)
    ? (record.cooldownReason ?? 'cooling down')
    : 'paused after repeated upstream errors';
  const message = `${subject} is unavailable (${why}) until ${new Date(until).toISOString()}; try again in ${retryAfter} s.`;
  return isCooling(record, now) && record.cooldownKind === 'rate_limited'
    ? tooManyRequests(message, retryAfter, 'rate_limited')
    : serviceUnavailable(message, retryAfter, 'conversation_account_unavailable');
}

export const queueTimedOut = (selection: string, waitedMs: number): AppError =>
  serviceUnavailable(
    `Every account of ${selection} stayed busy for ${Math.round(waitedMs / 1000)} s; try again shortly.`,
    Math.max(1, Math.ceil(waitedMs / 2000)),
    'all_accounts_busy',
  );

export const queueFull = (selection: string): AppError =>
  serviceUnavailable(
    `Too many requests are waiting for an account of ${selection}; try again shortly.`,
    5,
    'all_accounts_busy',
  );
