/**
 * What the dispatchers load. Apart from dispatchers.test.ts, which imports undici's index for its
 * own client: in this file nothing else loads undici.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createDispatcherRegistry } from './dispatchers.js';

const require = createRequire(import.meta.url);
const loaded = (name: string): boolean => require.resolve(name) in require.cache;

describe('dispatcher modules', () => {
  it("loads undici's dispatcher modules, not its index, and the SOCKS client only for a SOCKS proxy", async () => {
    const registry = createDispatcherRegistry({ connectTimeoutMs: 1000 });
    try {
      expect(loaded('undici/lib/dispatcher/agent.js')).toBe(false);
      registry.get();
      registry.get('http://127.0.0.1:9');
      expect(loaded('undici/lib/dispatcher/agent.js')).toBe(true);
      expect(loaded('undici/lib/dispatcher/proxy-agent.js')).toBe(true);
      expect(loaded('fetch-socks')).toBe(false);
      // fetch-socks itself needs the whole of undici: only a SOCKS proxy pays for it.
      expect(loaded('undici')).toBe(false);
      registry.get('socks5h://127.0.0.1:9');
      expect(loaded('fetch-socks')).toBe(true);
    } finally {
      await registry.close();
    }
  });
});
