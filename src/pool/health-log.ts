/** Log lines for the health transitions an operator wants to see (never a credential). */
import type { HealthRecord } from './state.js';
import type { PoolLogger } from './types.js';

export interface HealthTransition {
  logger: PoolLogger;
  account: string;
  before: HealthRecord;
  after: HealthRecord;
}

const iso = (time: number): string => new Date(time).toISOString();

export function logHealthTransition({ logger, account, before, after }: HealthTransition): void {
  if (after.disabled && !before.disabled) {
    logger.warn({ account, reason: after.disabledReason, lastError: after.lastError }, 'account disabled');
  }
  if (after.cooldownUntil !== undefined && after.cooldownUntil !== before.cooldownUntil) {
    logger.warn(
      { account, until: iso(after.cooldownUntil), reason: after.cooldownReason },
      'account cooling down',
    );
  }
  if (after.ejectedUntil !== undefined && after.ejectionCount > before.ejectionCount) {
    const fields = {
      account,
      until: iso(after.ejectedUntil),
      ejections: after.ejectionCount,
      lastError: after.lastError,
    };
    logger.warn(fields, 'account ejected');
  }
  if (before.ejectionCount > 0 && after.ejectionCount === 0)
    logger.info({ account }, 'account back in service');
}
