import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../../chat/types.js';
import { CONVERSATION_HEADER, conversationHeaders } from './conversation-header.js';

const result = (conversationId: string) => ({ conversationId }) as ChatResult;

describe('X-Conversation-Id on a stream', () => {
  it('comes from the first event, start or done', () => {
    const start = { type: 'start', conversationId: 'c1', turnId: 't', model: 'm', account: 'a' } as const;
    expect(conversationHeaders(start)).toEqual({ [CONVERSATION_HEADER]: 'c1' });
    expect(conversationHeaders({ type: 'done', result: result('c2') })).toEqual({
      [CONVERSATION_HEADER]: 'c2',
    });
  });

  it('is left out when the turn has no conversation', () => {
    expect(conversationHeaders({ type: 'done', result: result('') })).toBeUndefined();
    expect(conversationHeaders({ type: 'delta', text: 'x' })).toBeUndefined();
  });
});
