import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatParams } from '../chat/schema.js';
import { chatCompletionBody, responsesBody } from './schemas.js';

// z.compile never throws: a schema its generated parser cannot model is returned as it is and
// parsed at runtime, silently slower. `strict` makes that refusal an error here instead.
describe('the hot request bodies are compiled whole by zod', () => {
  for (const [name, schema] of [
    ['/v1/chat/completions', chatCompletionBody],
    ['/v1/responses', responsesBody],
    ['/api/chat', chatParams],
  ] as const) {
    it(name, () => {
      expect(() => z.compile(schema as z.ZodType, { strict: true })).not.toThrow();
    });
  }

  it('still names the field in a failure, as the runtime parser does', () => {
    const result = chatCompletionBody.safeParse({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['n'], message: 'only n = 1 is served' });
  });
});
