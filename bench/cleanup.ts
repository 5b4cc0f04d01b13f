/**
 * Every child process the benchmark starts registers a synchronous kill here, so none outlives
 * the run: not on success, not on an error, not on Ctrl-C.
 */
export interface CleanupRegistry {
  /** Registers a synchronous action; returns a function that unregisters it. */
  add(action: () => void): () => void;
  /** Runs every registered action once (latest first). */
  runAll(): void;
}

export function createCleanupRegistry(): CleanupRegistry {
  const actions = new Set<() => void>();
  return {
    add(action) {
      actions.add(action);
      return () => void actions.delete(action);
    },
    runAll() {
      for (const action of [...actions].reverse()) {
        actions.delete(action);
        try {
          action();
        } catch {
          // Keep going: the other children must still be stopped.
        }
      }
    },
  };
}

/** Hooks the registry to process exit, Ctrl-C, SIGTERM and uncaught errors. */
export function installExitHandlers(registry: CleanupRegistry): void {
  process.on('exit', () => registry.runAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark's child processes`);
      registry.runAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    console.error('benchmark failed:', error);
    registry.runAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    console.error('benchmark failed:', error);
    registry.runAll();
    process.exit(1);
  });
}
