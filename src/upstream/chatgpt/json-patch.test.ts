import { describe, expect, it } from 'vitest';
import { applyDeltaOperation } from './json-patch.js';

describe('ChatGPT delta operations', () => {
  it('decodes escaped pointer segments (~1 is "/", ~0 is "~")', () => {
    const document = applyDeltaOperation({}, { path: '/a~1b/c~0d', op: 'add', value: 1 });
    expect(document).toEqual({ 'a/b': { 'c~d': 1 } });
  });

  it('gives the same path the same place every time (decoded paths are reused, not used up)', () => {
    const path = '/message/content/parts/0';
    let document = applyDeltaOperation(
      {},
      { path: '/message', op: 'add', value: { content: { parts: [''] } } },
    );
    for (const piece of ['Hel', 'lo', '!'])
      document = applyDeltaOperation(document, { path, op: 'append', value: piece });
    expect(document).toEqual({ message: { content: { parts: ['Hello!'] } } });
  });
});
