import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import { buildApp } from './app.js';

describe('buildApp', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("leaves fastify's JSON-schema compilers unloaded: a route declaring a schema fails at start", async () => {
    const { store, users, runtime } = server.server;
    const { config } = server;
    const logger = pino({ level: 'silent' });
    const app = await buildApp({ config, store, users, runtime, logger });
    app.post('/schema-route', { schema: { body: { type: 'object' } } }, async () => ({ ok: true }));
    await expect(app.ready()).rejects.toThrow(/declares a JSON schema.*zod/);
    await app.close().catch(() => undefined);
  });
});
