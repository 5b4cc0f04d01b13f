/** A client key acting for one of its users on /v1 with `X-User-Id`, as `client` + `user_id` on /api/chat. */
import OpenAI, { PermissionDeniedError, type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../../../test/helpers/stack.js';
import { startV1Stack, upstreamTurns, userAsks } from './test-support.js';

describe('X-User-Id: a client key acting for its users on /v1', () => {
  let stack: Stack;
  let clientKey: string;
  let otherClientKey: string;
  let plainKey: string;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const asUser = (apiKey: string, userId: string) =>
    new OpenAI({
      apiKey,
      baseURL: `${stack.url}/v1`,
      maxRetries: 0,
      timeout: 20_000,
      defaultHeaders: { 'X-User-Id': userId },
    });
  const conversationsOf = async (userId: string) => {
    const res = await stack.call(`/api/admin/conversations?user_id=${userId}`, { headers: admin() });
    expect(res.status, res.text).toBe(200);
    return (res.json?.items ?? []) as { user_id: string }[];
  };

  beforeAll(async () => {
    stack = await startV1Stack();
    clientKey = await stack.addUser('acme', { client: true });
    otherClientKey = await stack.addUser('globex', { client: true });
    plainKey = await stack.addUser('plain');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("creates the client's user on first use and stores the turn as that user's", async () => {
    const reply = await asUser(clientKey, 'acme-u1').chat.completions.create({
      model: 'gpt-4o-mini',
      messages: userAsks('hello from u1'),
    });
    expect(reply.choices[0]?.message.content).toBeTruthy();
    const users = await stack.call('/api/admin/users/acme-u1', { headers: admin() });
    expect(users.status, users.text).toBe(200);
    expect(users.json?.user).toMatchObject({ user_id: 'acme-u1', created_by: 'acme', client: false });
    expect(await conversationsOf('acme-u1')).toHaveLength(1);
    expect(await conversationsOf('acme')).toHaveLength(0);
  });

  it("applies the user's own limits, not the client's", async () => {
    const limited = await stack.call('/api/admin/users/acme-u1', {
      method: 'PATCH',
      json: { limits: { models: ['web-mini'] } },
      headers: admin(),
    });
    expect(limited.status, limited.text).toBe(200);
    const before = stack.sim.log.length;
    const refused = await asUser(clientKey, 'acme-u1')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('hi') })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as APIError).code).toBe('model_not_allowed');
    expect(upstreamTurns(stack, before)).toEqual({ chatgpt: 0, openai: 0 });
    const listed: string[] = [];
    for await (const model of asUser(clientKey, 'acme-u1').models.list()) listed.push(model.id);
    expect(listed).toEqual(['web-mini']);
  });

  it("refuses another client's user like a stranger, and the header from a plain key", async () => {
    const stranger = await asUser(otherClientKey, 'acme-u1')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('hi') })
      .catch((e: unknown) => e);
    expect((stranger as APIError).status).toBe(404);
    expect((stranger as APIError).code).toBe('user_not_found');

    const plain = await asUser(plainKey, 'acme-u1')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('hi') })
      .catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(PermissionDeniedError);
    expect((plain as APIError).code).toBe('not_a_client');

    const tooLong = await asUser(clientKey, 'x'.repeat(129))
      .chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('hi') })
      .catch((e: unknown) => e);
    expect((tooLong as APIError).status).toBe(400);
    expect(await conversationsOf('plain')).toHaveLength(0);
  });

  it('lets the admin key act for an existing user only', async () => {
    const before = (await conversationsOf('acme-u1')).length;
    await asUser(stack.adminKey, 'acme-u1').chat.completions.create({
      model: 'web-mini',
      messages: userAsks('from the admin'),
    });
    expect(await conversationsOf('acme-u1')).toHaveLength(before + 1);
    const unknown = await asUser(stack.adminKey, 'nobody-yet')
      .chat.completions.create({ model: 'web-mini', messages: userAsks('hi') })
      .catch((e: unknown) => e);
    expect((unknown as APIError).status).toBe(404);
  });

  it('leaves a request without the header as the key itself', async () => {
    const own = new OpenAI({ apiKey: clientKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    await own.chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('as acme') });
    expect(await conversationsOf('acme')).toHaveLength(1);
  });
});
