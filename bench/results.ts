/** The shape of a benchmark run's results (also the JSON written under bench/results/). */
import type { Measurement } from './measure.js';
import type { SlowStreamsResult } from './slow-streams.js';
import type { Api, Mode, TargetName } from './targets.js';

export interface CaseResult {
  api: Api;
  mode: Mode;
  connections: number;
  target: TargetName;
  status: 'ok' | 'unavailable' | 'error';
  note?: string;
  rounds?: number;
  /** 2xx responses in all rounds. */
  requests?: number;
  non2xx?: number;
  errors?: number;
  rps?: number;
  latencyMeanMs?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  gatewayCpuUs?: number;
  simCpuUs?: number;
  gatewayPeakRssMb?: number;
}

export interface FirstByteEntry {
  target: TargetName;
  status: 'ok' | 'unavailable' | 'error';
  note?: string;
  count?: number;
  failed?: number;
  meanMs?: number;
  p50Ms?: number;
  p99Ms?: number;
}

export type MemoryResult =
  ({ status: 'ok'; note?: string } & SlowStreamsResult) | { status: 'unavailable' | 'error'; note: string };

export interface TargetCheck {
  id: string;
  description: string;
  goal: string;
  measured?: string;
  /** undefined: could not be measured in this run. */
  met?: boolean;
  /** The same measure for the floor (a bare Node proxy), when it ran: what no gateway can beat. */
  floor?: string;
  /** The same for the storing floor: the floor that also stores and logs every turn. */
  storingFloor?: string;
  note?: string;
}

export interface BenchReport {
  version: 1;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  portkey: { version: string; status: 'ok' | 'unavailable'; note?: string };
  cases: CaseResult[];
  firstByte: FirstByteEntry[];
  memory: MemoryResult;
  checks: TargetCheck[];
}

/**
 * Merges the rounds of one case: throughput over the total time, mean latency and CPU weighted
 * by requests, p50/p99 as the mean of the rounds' values, RSS as the largest.
 */
export function combineRounds(
  rounds: Measurement[],
): Omit<CaseResult, 'api' | 'mode' | 'connections' | 'target' | 'status'> {
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let elapsed = 0;
  let latencySum = 0;
  let p50Sum = 0;
  let p99Sum = 0;
  let gatewayCpu = 0;
  let simCpu = 0;
  let peak: number | undefined;
  for (const { load, gatewayCpuUs, simCpuUs, gatewayPeakRssMb } of rounds) {
    const served = load.ok + load.non2xx;
    ok += load.ok;
    non2xx += load.non2xx;
    errors += load.errors + load.timeouts;
    elapsed += load.elapsedSec;
    if (load.ok > 0) latencySum += load.latency.mean * load.ok;
    p50Sum += load.latency.p50;
    p99Sum += load.latency.p99;
    if (gatewayCpuUs !== undefined) gatewayCpu += gatewayCpuUs * served;
    simCpu += simCpuUs * served;
    if (gatewayPeakRssMb !== undefined) peak = Math.max(peak ?? 0, gatewayPeakRssMb);
  }
  const served = ok + non2xx;
  const hasGateway = rounds.some((r) => r.gatewayCpuUs !== undefined);
  return {
    rounds: rounds.length,
    requests: ok,
    non2xx,
    errors,
    rps: elapsed > 0 ? ok / elapsed : 0,
    latencyMeanMs: ok > 0 ? latencySum / ok : Number.NaN,
    latencyP50Ms: p50Sum / rounds.length,
    latencyP99Ms: p99Sum / rounds.length,
    ...(hasGateway ? { gatewayCpuUs: served > 0 ? gatewayCpu / served : Number.NaN } : {}),
    simCpuUs: served > 0 ? simCpu / served : Number.NaN,
    ...(peak !== undefined ? { gatewayPeakRssMb: peak } : {}),
  };
}

export function findCase(
  cases: CaseResult[],
  key: { api: Api; mode: Mode; connections: number; target: TargetName },
): CaseResult | undefined {
  return cases.find(
    (c) =>
      c.status === 'ok' &&
      c.api === key.api &&
      c.mode === key.mode &&
      c.connections === key.connections &&
      c.target === key.target,
  );
}
