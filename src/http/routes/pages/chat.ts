/**
 * /chat: the original's form. Without JavaScript it posts and the page shows the reply; with
 * it, the page's script posts the same form to /chat/stream (session cookie + CSRF token) and
 * shows the reply as it arrives.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isFinishing, type ChatEvent, type ChatResult } from '../../../chat/types.js';
import { AppError } from '../../../errors.js';
import type { Tier } from '../../../pool/types.js';
import type { Principal } from '../../../users/principal.js';
import { clientGone } from '../../abort.js';
import { flag, parseInput, requestParams, text } from '../../input.js';
import { enforceUserRate } from '../../rate-limit.js';
import { renderMarkdown } from '../../render/markdown.js';
import { sendSse, sseFrame } from '../../render/sse.js';
import { chatPage, type ChatFormValues } from '../../views/chat.js';
import { turnFromRow, turnMeta, type TurnDisplay } from '../../views/conversation.js';
import type { Notice } from '../../views/layout.js';
import { presentChatResult } from '../chat/present.js';
import { plusParam } from '../chat/schema.js';
import { conversationWithTurns, myConversations } from './data.js';
import type { PageKit } from './kit.js';
import { chatContext } from '../../request-metrics.js';

const SIDE_LIST_SIZE = 50;

const chatForm = z.object({
  user: text.optional(),
  prompt: text.default(''),
  plus: plusParam.default('free'),
  reply_only: flag.optional(),
  pretty: flag.optional(),
  access_token: text.pipe(z.string().trim().max(8192)).optional(),
  user_plus: flag.default(false),
  conversation_id: text.pipe(z.string().trim().max(128)).optional(),
  /** Present when the page's own form was posted: its unchecked boxes then mean false. */
  _form: text.optional(),
});
type ChatForm = z.infer<typeof chatForm>;

const PLUS_WORD: Record<Tier, ChatFormValues['plus']> = { free: 'false', plus: 'true', any: 'any' };

function formValues(input: ChatForm): ChatFormValues {
  // The original's browser defaults are reply_only=true and pretty=true; an unchecked box is absent.
  const browserDefault = input._form === undefined;
  return {
    user: input.user,
    accessToken: input.access_token || undefined,
    plus: PLUS_WORD[input.plus],
    replyOnly: input.reply_only ?? browserDefault,
    pretty: input.pretty ?? browserDefault,
    userPlus: input.user_plus,
    conversationId: input.conversation_id || undefined,
  };
}

async function finalResult(events: AsyncIterable<ChatEvent>): Promise<ChatResult> {
  let result: ChatResult | undefined;
  for await (const event of events) if (event.type === 'done') result = event.result;
  if (!result) throw new Error('chat ended without a result');
  return result;
}

export function chatPageRoutes(kit: PageKit) {
  const { store, runtime, config } = kit.deps;
  const simulated = config.simulated === true;

  async function requireChatUser(request: FastifyRequest): Promise<Principal> {
    const principal = await kit.userFromFormOrSession(request);
    if (!principal) throw new AppError(401, 'no_user', 'No user specified: enter your key or sign in');
    await enforceUserRate(request, principal);
    return principal;
  }

  function startChat(request: FastifyRequest, reply: FastifyReply, principal: Principal, input: ChatForm) {
    return runtime.chat.chat({
      principal,
      prompt: input.prompt,
      tier: input.plus,
      conversationId: input.conversation_id || undefined,
      accessToken: input.access_token || undefined,
      userPlus: input.user_plus,
      via: 'page',
      ...chatContext(request),
      ...clientGone(request, reply),
    });
  }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    view: {
      principal?: Principal;
      input: ChatForm;
      turns: TurnDisplay[];
      details?: unknown;
      notice?: Notice;
    },
  ) {
    const signedIn = (await kit.sessionPrincipal(request)) !== undefined;
    const conversations = view.principal
      ? (await myConversations(store, view.principal, { limit: SIDE_LIST_SIZE })).rows.map((c) => ({
          id: c.id,
          title: c.title,
        }))
      : undefined;
    const frame = kit.frame(request, reply, signedIn ? view.principal : undefined);
    const form = formValues(view.input);
    if (signedIn) form.user = undefined;
    return kit.sendPage(
      reply,
      chatPage({ frame, form, conversations, turns: view.turns, details: view.details, notice: view.notice }),
    );
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/chat', async (request, reply) => {
      const input = parseInput(chatForm, requestParams(request));
      // `?user=` only prefills the form, as in the original: a GET never checks a key (no oracle).
      const principal = await kit.sessionPrincipal(request);
      let turns: TurnDisplay[] = [];
      if (principal && input.conversation_id) {
        const found = await conversationWithTurns(store, principal, input.conversation_id);
        turns = found.turns.map(turnFromRow);
      }
      return render(request, reply, { principal, input, turns });
    });

    app.post('/chat', async (request, reply) => {
      const principal = await requireChatUser(request);
      const input = parseInput(chatForm, requestParams(request));
      const result = await finalResult(startChat(request, reply, principal, input));
      const latest: TurnDisplay = {
        prompt: result.prompt,
        reply: result.reply,
        status: 'complete',
        account: result.account,
        model: result.model,
        at: result.startedAt,
      };
      const earlier = result.conversationId
        ? (await conversationWithTurns(store, principal, result.conversationId)).turns
            .filter((t) => t.id !== result.turnId)
            .map(turnFromRow)
        : [];
      const values = formValues(input);
      return render(request, reply, {
        principal,
        input: { ...input, conversation_id: result.conversationId || undefined },
        turns: [...earlier, latest],
        details: values.replyOnly ? undefined : presentChatResult(result, principal, simulated),
      });
    });

    app.post('/chat/stream', { config: { errorFormat: 'json' } }, async (request, reply) => {
      const principal = await requireChatUser(request);
      const input = parseInput(chatForm, requestParams(request));
      return sendSse(request, reply, startChat(request, reply, principal, input), {
        frame: (event) => {
          switch (event.type) {
            case 'start':
              return sseFrame({ conversation_id: event.conversationId }, 'start');
            case 'delta':
              return sseFrame({ text: event.text }, 'delta');
            case 'title':
              return sseFrame({ title: event.title }, 'title');
            case 'tool_call':
              return ''; // only turns with tools (/v1) have them
            case 'finishing':
              return '';
            case 'done': {
              const r = event.result;
              return sseFrame(
                {
                  conversation_id: r.conversationId || null,
                  title: r.title,
                  reply: r.reply,
                  html: renderMarkdown(r.reply),
                  meta: turnMeta({
                    prompt: r.prompt,
                    reply: r.reply,
                    status: 'complete',
                    account: r.account,
                    model: r.model,
                    at: r.startedAt,
                  }),
                },
                'done',
              );
            }
          }
        },
        errorFrame: (error) => sseFrame({ code: error.code, message: error.message }, 'error'),
        holdsTail: isFinishing,
      });
    });
  };
}
