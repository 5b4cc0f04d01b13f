/** The measured phases of a run, in order; each records what it could not measure and goes on. */
import { runLoad, probe } from './load.js';
import { measure, type Measurement } from './measure.js';
import { SLOW_MODEL } from './ours.js';
import type { BenchPlan } from './plan.js';
import { combineRounds, type CaseResult, type FirstByteEntry, type MemoryResult } from './results.js';
import type { Environment } from './setup.js';
import { holdSlowStreams } from './slow-streams.js';
import { SampleBuffer } from './stats.js';
import {
  apiChatRequest,
  completionBody,
  v1Request,
  type Mode,
  type RequestSpec,
  type TargetName,
} from './targets.js';
import { collectFirstBytes, firstByteResult } from './ttfb.js';

export interface PhaseContext {
  plan: BenchPlan;
  env: Environment;
  log: (line: string) => void;
}

type Availability = Map<string, { spec: RequestSpec } | { reason: string; notYet: boolean }>;

const MODES: Mode[] = ['non-stream', 'stream'];
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function gatewayPid(env: Environment, target: TargetName): number | undefined {
  if (target === 'ours') return env.ours?.service.pid;
  if (target === 'floor') return env.floor?.service.pid;
  if (target === 'floor-store') return env.floorStore?.service.pid;
  if (target === 'portkey') return env.portkey?.service.pid;
  return undefined;
}

/** One line (the full story, with the child's log, was printed when it failed to start). */
function missingReason(env: Environment, target: TargetName): string {
  const reasons: Partial<Record<TargetName, string>> = {
    ours: env.oursProblem,
    portkey: env.portkeyStatus.note,
    floor: env.floorProblem,
    'floor-store': env.floorStoreProblem,
  };
  const reason = reasons[target];
  return (reason ?? 'not started').split('\n')[0]!.replace(/[:;]\s*log:$/, '');
}

/** Probes each target's /v1 route once per mode; 404 means "not available yet". */
export async function probeV1({ plan, env, log }: PhaseContext): Promise<Availability> {
  const result: Availability = new Map();
  for (const target of plan.targets) {
    for (const mode of MODES) {
      const spec = v1Request(env.endpoints, target, mode);
      const state = spec ? await probe(spec, mode === 'stream') : undefined;
      if (spec && state?.ok) result.set(`${target}|${mode}`, { spec });
      else {
        const reason = state && !state.ok ? state.reason : missingReason(env, target);
        result.set(`${target}|${mode}`, { reason, notYet: state !== undefined && !state.ok && state.notYet });
        log(`${target} /v1 ${mode}: ${reason}`);
      }
    }
  }
  return result;
}

export async function warmUp(ctx: PhaseContext, available: Availability): Promise<void> {
  const { plan } = ctx;
  for (const target of plan.targets) {
    const specs = MODES.map((mode) => available.get(`${target}|${mode}`)).filter(
      (entry): entry is { spec: RequestSpec } => entry !== undefined && 'spec' in entry,
    );
    if (specs.length === 0) continue;
    ctx.log(`warming up ${target} for ${plan.warmupSec} s`);
    await warmUpSpecs(
      ctx,
      specs.map((entry) => entry.spec),
      plan.warmupSec,
      16,
    );
  }
}

/** Unmeasured load, split evenly over the given requests. */
async function warmUpSpecs(ctx: PhaseContext, specs: RequestSpec[], totalSec: number, connections: number) {
  for (const spec of specs) {
    await runLoad({ spec, connections, durationSec: totalSec / specs.length }).catch((error: unknown) =>
      ctx.log(`warm-up failed: ${describe(error)}`),
    );
  }
}

function inTargetOrder(plan: BenchPlan, cases: CaseResult[]): CaseResult[] {
  return [...cases].sort((a, b) => plan.targets.indexOf(a.target) - plan.targets.indexOf(b.target));
}

async function measureRounds(
  ctx: PhaseContext,
  key: Omit<CaseResult, 'status' | 'target'>,
  specs: Map<TargetName, RequestSpec>,
): Promise<CaseResult[]> {
  const rounds = new Map<TargetName, Measurement[]>();
  const failures = new Map<TargetName, string>();
  for (let round = 0; round < ctx.plan.rounds; round++) {
    for (const [target, spec] of specs) {
      if (failures.has(target)) continue;
      try {
        const m = await measure({
          spec,
          connections: key.connections,
          durationSec: ctx.plan.caseSec,
          gatewayPid: gatewayPid(ctx.env, target),
          simPid: ctx.env.sim.service.pid,
        });
        rounds.set(target, [...(rounds.get(target) ?? []), m]);
        const cpu = m.gatewayCpuUs === undefined ? '' : `, ${m.gatewayCpuUs.toFixed(0)} µs CPU/req`;
        const failed = m.load.non2xx + m.load.errors + m.load.timeouts;
        ctx.log(
          `${key.api} ${key.mode} c=${key.connections} ${target}: ${m.load.rps.toFixed(0)} req/s, ` +
            `mean ${m.load.latency.mean.toFixed(3)} ms${cpu}${failed > 0 ? `, ${failed} failed` : ''}`,
        );
      } catch (error) {
        failures.set(target, describe(error));
        ctx.log(`${key.api} ${key.mode} c=${key.connections} ${target}: error ${describe(error)}`);
      }
    }
  }
  return [...specs.keys()].map((target) => {
    const measured = rounds.get(target);
    if (!measured)
      return { ...key, target, status: 'error' as const, note: failures.get(target) ?? 'no data' };
    return { ...key, target, status: 'ok' as const, ...combineRounds(measured) };
  });
}

export async function runV1Cases(ctx: PhaseContext, available: Availability): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const mode of MODES) {
    for (const connections of ctx.plan.connections) {
      const key = { api: 'v1' as const, mode, connections };
      const specs = new Map<TargetName, RequestSpec>();
      const missing: CaseResult[] = [];
      for (const target of ctx.plan.targets) {
        const entry = available.get(`${target}|${mode}`);
        if (entry && 'spec' in entry) specs.set(target, entry.spec);
        else missing.push({ ...key, target, status: 'unavailable', note: entry?.reason ?? 'not started' });
      }
      results.push(...inTargetOrder(ctx.plan, [...missing, ...(await measureRounds(ctx, key, specs))]));
    }
  }
  return results;
}

/** `/api/chat` (ChatGPT-web kind) against the simulator's own conversation endpoint. */
export async function runApiChatCases(ctx: PhaseContext): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  // Only our server speaks the ChatGPT-web kind; the simulator's own endpoint is the direct path.
  const targets = ctx.plan.targets.filter((t): t is 'direct' | 'ours' => t === 'direct' || t === 'ours');
  const specs = new Map<TargetName, RequestSpec>();
  const base = { api: 'api-chat' as const, mode: 'non-stream' as const };
  for (const target of targets) {
    try {
      const spec = await apiChatRequest(ctx.env.endpoints, target);
      const state = spec ? await probe(spec, target === 'direct') : undefined;
      if (spec && state?.ok) specs.set(target, spec);
      else {
        const note = state && !state.ok ? state.reason : missingReason(ctx.env, target);
        ctx.log(`${target} /api/chat: ${note}`);
        for (const connections of ctx.plan.apiChatConnections)
          results.push({ ...base, connections, target, status: 'unavailable', note });
      }
    } catch (error) {
      for (const connections of ctx.plan.apiChatConnections)
        results.push({ ...base, connections, target, status: 'error', note: describe(error) });
    }
  }
  if (specs.size === 0) return results;
  await warmUpSpecs(ctx, [...specs.values()], ctx.plan.warmupSec / 2, 1);
  for (const connections of ctx.plan.apiChatConnections) {
    results.push(...(await measureRounds(ctx, { ...base, connections }, specs)));
  }
  return inTargetOrder(ctx.plan, results).sort((a, b) => a.connections - b.connections);
}

export async function runFirstByte(ctx: PhaseContext, available: Availability): Promise<FirstByteEntry[]> {
  const entries: FirstByteEntry[] = [];
  const buffers = new Map<TargetName, { spec: RequestSpec; samples: SampleBuffer; failed: number }>();
  for (const target of ctx.plan.targets) {
    const entry = available.get(`${target}|stream`);
    if (entry && 'spec' in entry)
      buffers.set(target, { spec: entry.spec, samples: new SampleBuffer(), failed: 0 });
    else entries.push({ target, status: 'unavailable', note: entry?.reason ?? 'not started' });
  }
  if (buffers.size === 0) return entries;
  ctx.log(`first streamed byte: ${ctx.plan.firstByteCount} sequential streams per target`);
  for (let done = 0; done < ctx.plan.firstByteCount; done += ctx.plan.firstByteBatch) {
    const count = Math.min(ctx.plan.firstByteBatch, ctx.plan.firstByteCount - done);
    for (const state of buffers.values()) {
      state.failed += (await collectFirstBytes({ spec: state.spec, count, into: state.samples })).failed;
    }
  }
  for (const [target, state] of buffers) {
    const { count, failed, firstByte } = firstByteResult(state.samples, state.failed);
    entries.push({
      target,
      status: 'ok',
      count,
      failed,
      meanMs: firstByte.mean,
      p50Ms: firstByte.p50,
      p99Ms: firstByte.p99,
    });
    ctx.log(`first byte ${target}: p50 ${firstByte.p50.toFixed(3)} ms, mean ${firstByte.mean.toFixed(3)} ms`);
  }
  return entries;
}

export async function runMemoryCase(ctx: PhaseContext, available: Availability): Promise<MemoryResult> {
  const { env, plan } = ctx;
  const streams = available.get('ours|stream');
  if (!env.ours || !streams || !('spec' in streams)) {
    const note = streams && 'reason' in streams ? streams.reason : missingReason(env, 'ours');
    return { status: 'unavailable', note };
  }
  const spec = { ...streams.spec, body: completionBody('stream', SLOW_MODEL) };
  ctx.log(`memory: opening ${plan.slowStreams.count} slow streams through ours`);
  try {
    const result = await holdSlowStreams({
      spec,
      count: plan.slowStreams.count,
      pid: env.ours.service.pid,
      holdMs: plan.slowStreams.holdMs,
      openTimeoutMs: plan.slowStreams.openTimeoutMs,
      progress: ctx.log,
    });
    ctx.log(`memory: peak RSS ${result.peakRssMb.toFixed(1)} MB with ${result.opened} open streams`);
    return { status: 'ok', ...result };
  } catch (error) {
    return { status: 'error', note: describe(error) };
  }
}
