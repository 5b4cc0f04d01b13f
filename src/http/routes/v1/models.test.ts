import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { AuthenticationError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../../../test/helpers/stack.js';
import { clientFor, startV1Stack } from './test-support.js';

describe('/v1/models', () => {
  let stack: Stack;
  let alice: OpenAI;
  let bob: OpenAI;
  beforeAll(async () => {
    stack = await startV1Stack();
    alice = clientFor(stack, await stack.addUser('alice'));
    bob = clientFor(stack, await stack.addUser('bob', { plus: true }));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ids = async (client: OpenAI) => {
    const out: string[] = [];
    for await (const model of client.models.list()) out.push(model.id);
    return out.sort();
  };

  it('lists the models each user may use, in OpenAI’s shape', async () => {
    expect(await ids(alice)).toEqual(['auto', 'gpt-4o-mini', 'web-mini']);
    expect(await ids(bob)).toEqual(['auto', 'gpt-4o', 'gpt-4o-mini', 'web-mini']);
    const page = await bob.models.list();
    expect(page.data.find((m) => m.id === 'auto')).toEqual({
      id: 'auto',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'chatgpt',
    });
  });

  it('retrieves one model, and answers 404 model_not_found for unknown or forbidden ones', async () => {
    expect(await alice.models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', object: 'model' });
    expect(await bob.models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', owned_by: 'openai' });
    for (const id of ['gpt-4o', 'nope/with-slash']) {
      const error = await alice.models.retrieve(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as APIError).code).toBe('model_not_found');
    }
  });

  it('needs a valid key', async () => {
    const error = await clientFor(stack, 'cas_not_a_key')
      .models.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });
});
