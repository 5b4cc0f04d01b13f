/**
 * Runs one turn on a pooled account, failing over to the next account while nothing has
 * reached the client yet. After the first text delta there is no failover: the turn ends with
 * the error (marked afterFirstByte) and whatever was streamed is the caller's partial reply.
 */
import { isAppError } from '../errors.js';
import { isUpstreamError, UpstreamError } from '../upstream/types.js';
import type { Provider, ProviderAccount, TurnEvent, TurnRequest, UpstreamKind } from '../upstream/types.js';
import type { CredentialManager } from './credentials.js';
import { ALL_TRIED } from './pool-errors.js';
import type { AccountPool } from './pool.js';
import type { AcquireRequest, Lease, PoolAccountSpec, ReleaseOutcome } from './types.js';

/** Announces the account of each attempt; events of a failed attempt never reach the caller. */
export interface AccountEvent {
  type: 'account';
  name: string;
  kind: UpstreamKind;
  attempt: number;
}

export type FailoverEvent = TurnEvent | AccountEvent;

export interface TurnWithFailoverInput {
  pool: AccountPool;
  providers: Partial<Record<UpstreamKind, Provider>>;
  resolveAccount: (spec: PoolAccountSpec, signal: AbortSignal) => Promise<ProviderAccount>;
  credentials?: Pick<CredentialManager, 'refresh'>;
  select: AcquireRequest;
  buildRequest: (spec: PoolAccountSpec) => TurnRequest;
  /** Accounts tried at most (default 3). */
  maxAttempts?: number;
}

/** Failures that another account would not fix. */
const NO_FAILOVER = new Set(['invalid_request', 'cancelled']);

const cancelled = (): UpstreamError => new UpstreamError('cancelled', 'The turn was stopped by the caller');

function withAfterFirstByte(error: UpstreamError, account: string, streamed: boolean): UpstreamError {
  if (!streamed || error.afterFirstByte) return error;
  return new UpstreamError(error.kind, error.message, {
    account: error.account ?? account,
    status: error.status,
    retryAfterSeconds: error.retryAfterSeconds,
    upstreamCode: error.upstreamCode,
    afterFirstByte: true,
    cause: error,
  });
}

interface AttemptState {
  /** A text delta reached the caller: no failover from here on. */
  streamed: boolean;
  refreshed: boolean;
}

/** One attempt on a leased account; auth_expired is refreshed and retried once on the same lease. */
async function* attemptTurn(
  input: TurnWithFailoverInput,
  lease: Lease,
  progress: AttemptState,
): AsyncGenerator<TurnEvent, void, undefined> {
  const spec = lease.account;
  const provider = input.providers[spec.kind];
  if (!provider)
    throw new UpstreamError('invalid_request', `No provider for kind ${spec.kind}`, { account: spec.name });
  for (;;) {
    const account = await input.resolveAccount(spec, input.select.signal);
    // ids/title of an attempt are held back until its first delta, so a failed attempt leaves no trace.
    const held: TurnEvent[] = [];
    try {
      for await (const event of provider.streamTurn(account, input.buildRequest(spec))) {
        if (progress.streamed) yield event;
        else if (event.type !== 'delta') held.push(event);
        else {
          progress.streamed = true;
          // Loops, not `yield*` over the array (see docs/DESIGN.md).
          for (const earlier of held) yield earlier;
          yield event;
        }
      }
      if (!progress.streamed) for (const earlier of held) yield earlier;
      return;
    } catch (error) {
      const refreshable =
        isUpstreamError(error) && error.kind === 'auth_expired' && !progress.streamed && !progress.refreshed;
      if (!refreshable || !input.credentials || input.select.signal.aborted) throw error;
      progress.refreshed = true;
      const renewed = await input.credentials.refresh(spec.name, {
        rejectedToken: account.secret,
        signal: input.select.signal,
      });
      if (!renewed) throw error;
    }
  }
}

export async function* runTurnWithFailover(
  input: TurnWithFailoverInput,
): AsyncGenerator<FailoverEvent, void, undefined> {
  const maxAttempts = input.maxAttempts ?? 3;
  // Accounts already tried are added to a copy of the selection; the first attempt, nearly every
  // turn's only one, asks with the caller's own.
  let select = input.select;
  let lastError: UpstreamError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    let lease: Lease;
    try {
      lease = await input.pool.acquire(select);
    } catch (error) {
      // Every account was tried: the last upstream failure explains more than "none left".
      if (lastError && isAppError(error) && error.details?.reason === ALL_TRIED) throw lastError;
      throw error;
    }
    const name = lease.account.name;
    const progress: AttemptState = { streamed: false, refreshed: false };
    // Until proven otherwise the caller stopped iterating (return()), which says nothing about the account.
    let outcome: ReleaseOutcome | undefined;
    try {
      yield { type: 'account', name, kind: lease.account.kind, attempt };
      yield* attemptTurn(input, lease, progress);
      outcome = { ok: true };
      return;
    } catch (thrown) {
      // Not a classified upstream failure (a bug, an AppError): not the account's fault, no failover.
      if (!isUpstreamError(thrown)) throw thrown;
      const error = withAfterFirstByte(thrown, name, progress.streamed);
      outcome = { ok: false, error };
      if (error.afterFirstByte || NO_FAILOVER.has(error.kind) || input.select.signal.aborted) throw error;
      lastError = error;
      select = { ...select, exclude: [...(select.exclude ?? []), name] };
    } finally {
      await input.pool.release(lease, outcome ?? { ok: false, error: cancelled() });
    }
  }
  throw lastError ?? new UpstreamError('upstream_error', 'No attempt was made');
}
