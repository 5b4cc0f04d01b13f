/**
 * CPU time and memory of a child process, read from Linux /proc. Each measured server runs as
 * its own process, so these numbers are its own and exclude the load generator.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  utime: number;
  stime: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and parentheses, so the
 * fields are counted from the last ')'. utime and stime are fields 14 and 15 (all threads).
 */
export function parseProcStat(line: string): CpuTicks {
  const close = line.lastIndexOf(')');
  if (close === -1) throw new Error('malformed /proc stat line');
  // After ")" come field 3 (state) onwards; utime is field 14, i.e. index 11 here.
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('malformed /proc stat line');
  return { utime, stime };
}

/** A `Name:   123 kB` field of /proc/<pid>/status, in kB; undefined when absent. */
export function parseStatusKb(statusText: string, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  return match ? Number(match[1]) : undefined;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, almost always 100 on Linux. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time a process has used so far, in microseconds. */
export function readCpuMicros(pid: number): number {
  const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ((utime + stime) * 1e6) / clockTicksPerSecond();
}

export function readMemoryKb(pid: number): { rssKb: number; hwmKb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: parseStatusKb(text, 'VmRSS') ?? 0, hwmKb: parseStatusKb(text, 'VmHWM') ?? 0 };
}

/** CPU µs spent per request: the pure arithmetic of a before/after reading. */
export function cpuMicrosPerRequest(input: {
  beforeMicros: number;
  afterMicros: number;
  requests: number;
}): number {
  if (input.requests <= 0) return Number.NaN;
  return (input.afterMicros - input.beforeMicros) / input.requests;
}

export interface RssSampler {
  /** Stops sampling; the largest VmRSS seen per pid, in kB. */
  stop(): Map<number, number>;
}

/** Samples VmRSS of each pid every `intervalMs` until stopped (a process that died is skipped). */
export function startRssSampler(pids: number[], intervalMs = 100): RssSampler {
  const peaks = new Map<number, number>(pids.map((pid) => [pid, 0]));
  const sample = (): void => {
    for (const pid of pids) {
      try {
        const { rssKb } = readMemoryKb(pid);
        if (rssKb > (peaks.get(pid) ?? 0)) peaks.set(pid, rssKb);
      } catch {
        // The process ended; its last peak stays.
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
