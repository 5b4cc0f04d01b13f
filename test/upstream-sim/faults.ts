/** Fault table: which token or API key gets which failure, and for how many requests. */
import type { MidStreamFault, PreResponseFault, SimFault } from './types.js';

interface FaultEntry {
  fault: SimFault;
  /** Requests left to hit; Infinity until cleared. */
  remaining: number;
}

export function isMidStreamFault(fault: SimFault): fault is MidStreamFault {
  return 'afterChunks' in fault;
}

export class FaultTable {
  private readonly entries = new Map<string, FaultEntry>();

  get size(): number {
    return this.entries.size;
  }

  set(key: string, fault: SimFault | null, times?: number): void {
    if (fault === null) {
      this.entries.delete(key);
      return;
    }
    const remaining = times === undefined ? Infinity : Math.max(0, Math.floor(times));
    if (remaining === 0) this.entries.delete(key);
    else this.entries.set(key, { fault, remaining });
  }

  /** A fault that answers instead of the normal response; consumes one hit. */
  takePreResponse(keys: ReadonlyArray<string | undefined>): PreResponseFault | undefined {
    const found = this.find(keys, false);
    return found as PreResponseFault | undefined;
  }

  /** A fault that breaks a streamed reply part-way; consumes one hit. */
  takeMidStream(keys: ReadonlyArray<string | undefined>): MidStreamFault | undefined {
    const found = this.find(keys, true);
    return found as MidStreamFault | undefined;
  }

  private find(keys: ReadonlyArray<string | undefined>, midStream: boolean): SimFault | undefined {
    if (this.entries.size === 0) return undefined;
    for (const key of keys) {
      if (key === undefined) continue;
      const entry = this.entries.get(key);
      if (!entry || isMidStreamFault(entry.fault) !== midStream) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.entries.delete(key);
      return entry.fault;
    }
    return undefined;
  }
}
