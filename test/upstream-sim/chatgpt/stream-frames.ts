/** Frames of a ChatGPT reply stream in the delta (v1) and cumulative encodings (§1.3). */
import { randomUUID } from 'node:crypto';
import { DONE_FRAME, dataFrame } from '../sse.js';
import type { SseFrame } from '../sse.js';
import { finishDetails, messageJson } from './messages.js';

export interface ReplyPlan {
  conversationId: string;
  assistantId: string;
  parentId: string;
  model: string;
  /** Reply text pieces; joined (minus citation markers) they are the reply. */
  chunks: string[];
  finishType: 'stop' | 'max_tokens';
  /** The user's prompt, echoed in the stream; undefined for a `continue`. */
  prompt?: string;
  userMessageId?: string;
  /** Sent as title_generation on the first turn (delta encoding). */
  title?: string;
}

/** Private-use citation markers clients must strip (U+E200..U+E206). */
const CITATION_MARKERS = '\uE200\uE202\uE201';
const HIDDEN_SYSTEM_TEXT = 'Hidden system context: the user prefers short answers.';

/** Puts citation markers inside the middle chunk, so the clean text stays the same. */
export function withCitationMarkers(chunks: string[]): string[] {
  const index = Math.floor(chunks.length / 2);
  return chunks.map((chunk, i) => {
    if (i !== index) return chunk;
    const chars = Array.from(chunk);
    const at = Math.floor(chars.length / 2);
    return chars.slice(0, at).join('') + CITATION_MARKERS + chars.slice(at).join('');
  });
}

const now = (): number => Date.now() / 1000;

function assistantMessage(plan: ReplyPlan, text: string, finished: boolean): Record<string, unknown> {
  return messageJson({
    id: plan.assistantId,
    role: 'assistant',
    text,
    status: finished ? 'finished_successfully' : 'in_progress',
    createTime: now(),
    endTurn: finished ? plan.finishType === 'stop' : null,
    model: plan.model,
    parentId: plan.parentId,
    finishType: finished ? plan.finishType : null,
  });
}

function hiddenSystemMessage(): Record<string, unknown> {
  return messageJson({
    id: randomUUID(),
    role: 'system',
    text: HIDDEN_SYSTEM_TEXT,
    status: 'finished_successfully',
    createTime: now(),
    hidden: true,
  });
}

export function cumulativeFrames(plan: ReplyPlan): SseFrame[] {
  const wrap = (message: Record<string, unknown>): Record<string, unknown> => ({
    message,
    conversation_id: plan.conversationId,
    error: null,
  });
  const frames: SseFrame[] = [dataFrame(wrap(hiddenSystemMessage()))];
  let text = '';
  for (const chunk of plan.chunks) {
    text += chunk;
    frames.push(dataFrame(wrap(assistantMessage(plan, text, false)), undefined, true));
  }
  frames.push(dataFrame(wrap(assistantMessage(plan, text, true))));
  frames.push(DONE_FRAME);
  return frames;
}

function toolCallFrames(plan: ReplyPlan, c: number): SseFrame[] {
  const tool = messageJson({
    id: randomUUID(),
    role: 'assistant',
    text: '',
    status: 'in_progress',
    createTime: now(),
    recipient: 'web.run',
    contentType: 'code',
    model: plan.model,
  });
  return [
    dataFrame({ p: '', o: 'add', v: { message: tool, conversation_id: plan.conversationId }, c }, 'delta'),
    dataFrame({ p: '/message/content/text', o: 'append', v: 'search("' }, 'delta'),
    dataFrame({ v: 'simulated query")' }, 'delta'),
    dataFrame(
      { p: '', o: 'patch', v: [{ p: '/message/status', o: 'replace', v: 'finished_successfully' }] },
      'delta',
    ),
  ];
}

function replyTextFrames(plan: ReplyPlan): SseFrame[] {
  const frames: SseFrame[] = [];
  const last = plan.chunks.length - 1;
  plan.chunks.forEach((chunk, i) => {
    if (i === last) return;
    const delta = i === 0 ? { p: '/message/content/parts/0', o: 'append', v: chunk } : { v: chunk };
    frames.push(dataFrame(delta, 'delta', true));
  });
  const closing = [
    { p: '/message/content/parts/0', o: 'append', v: plan.chunks[last] ?? '' },
    { p: '/message/status', o: 'replace', v: 'finished_successfully' },
    { p: '/message/end_turn', o: 'replace', v: plan.finishType === 'stop' },
    {
      p: '/message/metadata',
      o: 'append',
      v: { finish_details: finishDetails(plan.finishType), is_complete: true },
    },
  ];
  frames.push(dataFrame({ p: '', o: 'patch', v: closing }, 'delta', true));
  return frames;
}

export function deltaFrames(plan: ReplyPlan): SseFrame[] {
  const conversationId = plan.conversationId;
  const frames: SseFrame[] = [
    dataFrame('"v1"', 'delta_encoding'),
    dataFrame({
      type: 'resume_conversation_token',
      kind: 'topic',
      token: randomUUID(),
      conversation_id: conversationId,
    }),
  ];
  if (plan.prompt !== undefined && plan.userMessageId) {
    const user = messageJson({
      id: plan.userMessageId,
      role: 'user',
      text: plan.prompt,
      status: 'finished_successfully',
      createTime: now(),
    });
    frames.push(dataFrame({ type: 'input_message', input_message: user, conversation_id: conversationId }));
  }
  const system = { message: hiddenSystemMessage(), conversation_id: conversationId, error: null };
  frames.push(dataFrame({ p: '', o: 'add', v: system, c: 0 }, 'delta'));
  frames.push(...toolCallFrames(plan, 1));
  frames.push(
    dataFrame({
      type: 'message_marker',
      conversation_id: conversationId,
      message_id: plan.assistantId,
      marker: 'user_visible_token',
      event: 'first',
    }),
  );
  const start = { message: assistantMessage(plan, '', false), conversation_id: conversationId, error: null };
  frames.push(dataFrame({ p: '', o: 'add', v: start, c: 2 }, 'delta'));
  frames.push(...replyTextFrames(plan));
  if (plan.title !== undefined) {
    frames.push(dataFrame({ type: 'title_generation', title: plan.title, conversation_id: conversationId }));
  }
  frames.push(dataFrame({ type: 'message_stream_complete', conversation_id: conversationId }));
  frames.push(DONE_FRAME);
  return frames;
}
