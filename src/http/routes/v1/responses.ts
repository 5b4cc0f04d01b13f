/**
 * POST /v1/responses for text turns. `previous_response_id` continues the stored conversation
 * the response belongs to (only from its latest completed response: we keep no branches).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canAccessConversation } from '../../../chat/access.js';
import { isFinishing, type ChatEvent, type ChatInput } from '../../../chat/types.js';
import { AppError, badRequest } from '../../../errors.js';
import type { Store } from '../../../store/index.js';
import type { ChatMessage } from '../../../upstream/types.js';
import type { Principal } from '../../../users/principal.js';
import type { AppDeps } from '../../deps.js';
import { clientGone } from '../../abort.js';
import { parseInput, requestParams } from '../../input.js';
import { sendSse } from '../../render/sse.js';
import { openAiPrincipal } from './auth.js';
import { finalResult } from './chat-completions.js';
import { conversationHeader, conversationHeaders, setConversationHeader } from './conversation-header.js';
import { requireServedModel } from './models.js';
import { unixSeconds } from './openai-shapes.js';
import {
  finalStatus,
  parseResponseId,
  responseContext,
  responseEventWriter,
  responseObject,
  type ResponseContext,
} from './response-shapes.js';
import { lastUserMessage, responsesBody, samplingFrom, type ResponsesBody } from './schemas.js';
import { chatContext } from '../../request-metrics.js';

const FIELD = 'previous_response_id';

/** The conversation a previous response belongs to, if this caller may continue it. */
async function continuedConversation(store: Store, principal: Principal, previous: string): Promise<string> {
  const missing = () =>
    new AppError(404, 'previous_response_not_found', `Previous response '${previous}' not found.`, {
      field: FIELD,
    });
  const ids = parseResponseId(previous);
  const conversation = ids && (await store.conversations.get(ids.conversationId));
  if (!ids || !conversation || !(await canAccessConversation(store, principal, conversation)))
    throw missing();
  const turns = await store.turns.listForConversation(conversation.id);
  if (!turns.some((turn) => turn.id === ids.turnId)) throw missing();
  const latest = turns.filter((turn) => turn.status === 'complete').at(-1);
  if (latest?.id !== ids.turnId)
    throw badRequest(
      'Only the latest response of a conversation can be continued (branches are not kept).',
      FIELD,
    );
  return conversation.id;
}

function messagesOf(body: ResponsesBody): ChatMessage[] {
  const items: ChatMessage[] =
    typeof body.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : body.input.map(({ role, content }) => ({ role, content }));
  return body.instructions ? [{ role: 'system', content: body.instructions }, ...items] : items;
}

/** Stream frames; the opening events need the ids the chat service gives with its first event. */
function responseFrames(request: Omit<ResponseContext, 'id' | 'itemId'>) {
  let writer: ReturnType<typeof responseEventWriter> | undefined;
  const open = (ids: { conversationId: string; turnId: string }) => {
    if (writer) return { writer, first: '' };
    writer = responseEventWriter(responseContext(ids, request));
    return { writer, first: writer.opening() };
  };
  return {
    frame(event: ChatEvent): string {
      if (event.type === 'start') return open(event).first;
      if (event.type === 'delta') return writer?.delta(event.text) ?? '';
      if (event.type === 'done') {
        const opened = open(event.result);
        return opened.first + opened.writer.closing(event.result);
      }
      return '';
    },
    errorFrame: (error: AppError): string => writer?.failure(error) ?? '',
    holdsTail: isFinishing,
  };
}

export function responsesRoutes({ users, runtime, config, store }: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post('/v1/responses', async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = await openAiPrincipal(request, users);
      const body = parseInput(responsesBody, requestParams(request));
      requireServedModel({ config, accounts: runtime.pool.accounts(), model: body.model, principal });
      const conversationId = body.previous_response_id
        ? await continuedConversation(store, principal, body.previous_response_id)
        : conversationHeader(request);
      const messages = messagesOf(body);
      const input: ChatInput = {
        principal,
        prompt: lastUserMessage(messages, 'input'),
        messages: conversationId ? undefined : messages,
        tier: principal.plus ? 'any' : 'free',
        model: body.model,
        conversationId,
        sampling: samplingFrom(body, body.max_output_tokens),
        stream: body.stream === true,
        via: 'responses',
        ...chatContext(request),
        ...clientGone(request, reply),
      };
      const described = {
        model: body.model,
        createdAt: unixSeconds(Date.now()),
        instructions: body.instructions ?? null,
        previousResponseId: body.previous_response_id ?? null,
      };
      const events = runtime.chat.chat(input);
      if (body.stream)
        return sendSse(request, reply, events, {
          ...responseFrames(described),
          headers: conversationHeaders,
        });
      const result = await finalResult(events);
      setConversationHeader(reply, result);
      return responseObject(responseContext(result, described), { status: finalStatus(result), result });
    });
  };
}
