/**
 * With several processes, a pending turn is only interrupted when the process running it is
 * gone. Each process sweeps at start and then periodically: turns whose owner has no heartbeat
 * (or no owner at all: recorded before owners existed) are marked incomplete.
 */
import type { SharedStateLogger } from './types.js';

export interface OrphanTurnStore {
  pendingOwners(): Promise<(string | null)[]>;
  markPendingIncompleteOf(owners: readonly (string | null)[], now: number): Promise<number>;
}

export interface OrphanTurnSweeperOptions {
  turns: OrphanTurnStore;
  alive(instanceIds: readonly string[]): Promise<Set<string>>;
  intervalMs: number;
  now?: () => number;
  logger?: SharedStateLogger;
}

export interface OrphanTurnSweeper {
  /** One sweep; returns how many turns were marked incomplete. */
  sweep(): Promise<number>;
  start(): void;
  stop(): void;
}

export function createOrphanTurnSweeper(options: OrphanTurnSweeperOptions): OrphanTurnSweeper {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const sweepOnce = async (): Promise<number> => {
    const owners = await options.turns.pendingOwners();
    if (owners.length === 0) return 0;
    const named = owners.filter((owner): owner is string => owner !== null);
    const alive = await options.alive(named);
    const dead = owners.filter((owner) => owner === null || !alive.has(owner));
    if (dead.length === 0) return 0;
    const marked = await options.turns.markPendingIncompleteOf(dead, now());
    if (marked > 0)
      options.logger?.warn(
        { turns: marked, owners: dead.map((owner) => owner ?? '(none)') },
        'turns of stopped server processes marked incomplete',
      );
    return marked;
  };

  const sweep = (): Promise<number> => {
    // Overlapping sweeps would only repeat the same work.
    running ??= sweepOnce().finally(() => (running = undefined));
    return running;
  };

  return {
    sweep,
    start() {
      timer = setInterval(() => {
        sweep().catch((error: unknown) =>
          options.logger?.warn({ err: String(error) }, 'sweep of interrupted turns failed'),
        );
      }, options.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
