/** One measured run: load on a target while the gateway's and the simulator's /proc are read. */
import { runLoad, type LoadResult } from './load.js';
import { cpuMicrosPerRequest, readCpuMicros, startRssSampler } from './proc.js';
import type { RequestSpec } from './targets.js';

export interface Measurement {
  load: LoadResult;
  /** CPU µs per response of the gateway process (undefined for direct: there is none). */
  gatewayCpuUs?: number;
  /** CPU µs per response of the simulator process. */
  simCpuUs: number;
  /** Largest VmRSS of the gateway sampled during the run, MB. */
  gatewayPeakRssMb?: number;
}

export interface MeasureInput {
  spec: RequestSpec;
  connections: number;
  durationSec: number;
  gatewayPid?: number;
  simPid: number;
}

const KB_PER_MB = 1024;

export async function measure(input: MeasureInput): Promise<Measurement> {
  const pids = input.gatewayPid === undefined ? [input.simPid] : [input.simPid, input.gatewayPid];
  const sampler = startRssSampler(pids);
  const simBefore = readCpuMicros(input.simPid);
  const gatewayBefore = input.gatewayPid === undefined ? 0 : readCpuMicros(input.gatewayPid);
  let load: LoadResult;
  try {
    load = await runLoad({
      spec: input.spec,
      connections: input.connections,
      durationSec: input.durationSec,
    });
  } catch (error) {
    sampler.stop();
    throw error;
  }
  const peaks = sampler.stop();
  const requests = load.ok + load.non2xx;
  const simCpuUs = cpuMicrosPerRequest({
    beforeMicros: simBefore,
    afterMicros: readCpuMicros(input.simPid),
    requests,
  });
  if (input.gatewayPid === undefined) return { load, simCpuUs };
  return {
    load,
    simCpuUs,
    gatewayCpuUs: cpuMicrosPerRequest({
      beforeMicros: gatewayBefore,
      afterMicros: readCpuMicros(input.gatewayPid),
      requests,
    }),
    gatewayPeakRssMb: (peaks.get(input.gatewayPid) ?? 0) / KB_PER_MB,
  };
}
