/**
 * Loads a CommonJS package the first time it is needed. PostgreSQL's and Redis's clients and the
 * Markdown sanitiser weigh some 35 MB of resident memory together; a process configured without
 * them (SQLite, one process, no HTML replies) never pays for them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `configure` runs once, on the first load. */
export function lazyRequire<T>(name: string, configure?: (loaded: T) => void): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      loaded = require(name) as T;
      configure?.(loaded);
    }
    return loaded;
  };
}
