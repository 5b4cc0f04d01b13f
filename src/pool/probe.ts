/**
 * Light probes of accounts whose ejection has ended: instead of letting a user's turn find out
 * whether the upstream recovered, a cheap call (e.g. the provider's listModels) decides. Success
 * brings the account back; failure ejects it again with a longer backoff.
 */
import { isUpstreamError, UpstreamError } from '../upstream/types.js';
import { redact } from '../redact.js';
import type { AttemptContext } from './attempt.js';
import { emptyHealth } from './state.js';
import type { Lease, PoolAccountSpec, ReleaseOutcome } from './types.js';

export type AccountProbe = (account: PoolAccountSpec, signal: AbortSignal) => Promise<void>;

export interface ProbeInput {
  ctx: AttemptContext;
  release: (lease: Lease, outcome: ReleaseOutcome) => Promise<void>;
  probe: AccountProbe;
  signal: AbortSignal;
}

/** Probes every idle account on probation; returns the names probed. */
export async function probeRecovering(input: ProbeInput): Promise<string[]> {
  const { ctx } = input;
  const specs = [...ctx.accounts.values()];
  const health = await ctx.state.getHealth(specs.map((spec) => spec.name));
  const now = ctx.clock.now();
  const due = specs.filter((spec) => {
    const record = health.get(spec.name) ?? emptyHealth();
    return !record.disabled && record.ejectedUntil !== undefined && record.ejectedUntil <= now;
  });
  const probed: string[] = [];
  for (const spec of due) {
    // maxConcurrency 1: skip an account that is serving (or probing) right now.
    const id = await ctx.state.acquireLease({
      account: spec.name,
      maxConcurrency: 1,
      ttlMs: ctx.options.leaseTtlMs,
    });
    if (id === undefined) continue;
    probed.push(spec.name);
    const lease: Lease = { id, account: spec };
    try {
      await input.probe(spec, input.signal);
      await input.release(lease, { ok: true });
    } catch (error) {
      const failure = isUpstreamError(error)
        ? error
        : new UpstreamError(
            'upstream_error',
            `probe failed: ${redact(error instanceof Error ? error.message : String(error))}`,
            {
              account: spec.name,
            },
          );
      await input.release(lease, { ok: false, error: failure });
    }
  }
  return probed;
}
