import { Writable } from 'node:stream';
import type { Engine } from '../../src/store/index.js';
import type { AppConfig } from '../../src/config/types.js';
import { createLogger } from '../../src/logging/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_ADMIN_KEY, testConfig } from './config.js';
import { createTestStorage, type TestStorage } from './engines.js';

export interface TestServer {
  url: string;
  adminKey: string;
  server: RunningServer;
  storage: TestStorage;
  config: AppConfig;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log text, for grepping secrets. */
  logText(): string;
  stop(): Promise<void>;
}

/** A real server on a free port, with its own storage on the chosen engine. */
export async function startTestServer(
  options: { engine?: Engine; config?: Partial<Omit<AppConfig, 'dataDir'>> } = {},
): Promise<TestServer> {
  const storage = await createTestStorage(options.engine ?? 'sqlite');
  const config = testConfig({
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl || undefined,
    ...options.config,
  });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const server = await startServer({ config, logger });
  return {
    url: server.url,
    adminKey: TEST_ADMIN_KEY,
    server,
    storage,
    config,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    async stop() {
      await server.close();
      await storage.cleanup();
    },
  };
}
