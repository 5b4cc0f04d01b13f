import type OpenAI from 'openai';
import { PermissionDeniedError, type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../../../test/helpers/stack.js';
import { clientFor, startV1Stack, upstreamTurns, userAsks } from './test-support.js';

/** A user whose key may use only some models (`limits.models`), set and cleared by the admin API. */
describe('a list of allowed models per user', () => {
  let stack: Stack;
  let carolKey: string;
  let carol: OpenAI;
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  const setLimits = (limits: Record<string, unknown>) =>
    stack.call('/api/admin/users/carol', { method: 'PATCH', json: { limits }, headers: admin() });
  const ids = async () => {
    const out: string[] = [];
    for await (const model of carol.models.list()) out.push(model.id);
    return out.sort();
  };

  beforeAll(async () => {
    stack = await startV1Stack();
    const created = await stack.call('/api/admin/users', {
      json: { userid: 'carol', limits: { models: ['web-mini', 'gpt-4o-mini', 'web-mini'] } },
      headers: admin(),
    });
    expect(created.status, created.text).toBe(200);
    expect(created.json?.user).toMatchObject({ limits: { models: ['web-mini', 'gpt-4o-mini'] } });
    carolKey = created.json?.api_key as string;
    carol = clientFor(stack, carolKey);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists only the allowed models on /v1/models', async () => {
    expect(await ids()).toEqual(['gpt-4o-mini', 'web-mini']);
    expect((await carol.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    const hidden = await carol.models.retrieve('auto').catch((e: unknown) => e);
    expect((hidden as APIError).status).toBe(404);
  });

  it('refuses another model with 403 model_not_allowed before any upstream call', async () => {
    const before = stack.sim.log.length;
    for (const stream of [false, true]) {
      const error = await carol.chat.completions
        .create({ model: 'auto', messages: userAsks('hi'), stream })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as APIError).code).toBe('model_not_allowed');
    }
    const apiChat = await stack.call('/api/chat', { json: { user: carolKey, prompt: 'hi', model: 'auto' } });
    expect(apiChat.status).toBe(403);
    expect(apiChat.json).toMatchObject({ status: 'error', code: 'model_not_allowed' });
    expect(upstreamTurns(stack, before)).toEqual({ chatgpt: 0, openai: 0 });
    const allowed = await carol.chat.completions.create({ model: 'gpt-4o-mini', messages: userAsks('hi') });
    expect(allowed.model).toBe('gpt-4o-mini');
  });

  it('gives a turn that names no model the first allowed one', async () => {
    const reply = await stack.call('/api/chat', { json: { user: carolKey, prompt: 'which model?' } });
    expect(reply.status, reply.text).toBe(200);
    // web-mini is the ChatGPT-web account's gpt-4o-mini; /api/chat names the upstream's slug.
    expect(reply.json).toMatchObject({ account: 'web-1', model: 'gpt-4o-mini' });
  });

  it('takes effect at once when the admin changes or clears the list', async () => {
    expect((await setLimits({ models: ['gpt-4o-mini'] })).status).toBe(200);
    expect(await ids()).toEqual(['gpt-4o-mini']);
    const cleared = await setLimits({});
    expect(cleared.json?.user).toMatchObject({ limits: {} });
    expect(await ids()).toEqual(['auto', 'gpt-4o-mini', 'web-mini']);
  });

  it('refuses an empty or malformed list with 400 naming the field', async () => {
    for (const models of [[], [''], 'gpt-4o-mini', [42]]) {
      const res = await setLimits({ models });
      expect(res.status, JSON.stringify(models)).toBe(400);
      expect(String(res.json?.field)).toMatch(/^limits\.models/);
    }
    expect(await ids()).toEqual(['auto', 'gpt-4o-mini', 'web-mini']);
  });
});
