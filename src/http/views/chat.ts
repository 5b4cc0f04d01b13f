import { html, type HtmlPart } from './html.js';
import { checkbox, csrfField, field, layout, select, type Notice, type PageFrame } from './layout.js';
import { turnView, type TurnDisplay } from './conversation.js';

export interface ChatFormValues {
  /** The key typed in (or from `?user=`); never set when signed in. */
  user?: string;
  accessToken?: string;
  plus: 'any' | 'true' | 'false';
  replyOnly: boolean;
  pretty: boolean;
  userPlus: boolean;
  conversationId?: string;
}

export interface ConversationLink {
  id: string;
  title: string | null;
}

export interface ChatPageInput {
  frame: PageFrame;
  form: ChatFormValues;
  /** The caller's conversations; undefined when we do not know who they are yet. */
  conversations?: ConversationLink[];
  turns: TurnDisplay[];
  /** The latest reply's full answer, shown when reply_only is off. */
  details?: unknown;
  notice?: Notice;
}

function sideList(input: ChatPageInput): HtmlPart {
  if (!input.conversations)
    return html`<p class="muted"><a href="/signin">Sign in</a> to see your conversations here.</p>`;
  const items = input.conversations.map(
    (c) =>
      html`<li>
        <a
          href="/chat?conversation_id=${encodeURIComponent(c.id)}"
          data-conversation="${c.id}"
          ${c.id === input.form.conversationId ? html` aria-current="true"` : ''}
          >${c.title || 'Untitled'}</a
        >
      </li>`,
  );
  return html`<ul id="conversation-list">
      ${items}
    </ul>
    ${items.length === 0 ? html`<p id="no-conversations" class="muted">No conversations yet.</p>` : ''}`;
}

function chatForm(input: ChatPageInput): HtmlPart {
  const { frame, form } = input;
  const key = frame.principal
    ? ''
    : field({ name: 'user', label: 'API key', type: 'password', value: form.user, required: true });
  return html`<form id="chat-form" class="card" method="post" action="/chat" data-stream-url="/chat/stream">
${csrfField(frame)}<input type="hidden" name="_form" value="1">
${key}
<label for="f-prompt">Prompt</label>
<textarea id="f-prompt" name="prompt" rows="4" required></textarea>
<details${form.accessToken || form.conversationId ? html` open` : ''}><summary>Options</summary>
<div class="row">
<div>${select({
    name: 'plus',
    label: 'Plus account',
    selected: form.plus,
    options: [
      { value: 'false', label: 'No (free)' },
      { value: 'true', label: 'Yes (plus)' },
      { value: 'any', label: 'Any' },
    ],
  })}</div>
<div>${field({ name: 'conversation_id', label: 'Conversation to continue', value: form.conversationId, placeholder: 'new conversation' })}</div>
</div>
${field({ name: 'access_token', label: 'Your own access token (optional)', type: 'password', value: form.accessToken })}
<p>${checkbox({ name: 'user_plus', label: 'My access token has Plus', checked: form.userPlus })}
${checkbox({ name: 'reply_only', label: 'Reply only', checked: form.replyOnly })}
${checkbox({ name: 'pretty', label: 'Pretty (Markdown)', checked: form.pretty })}</p>
</details>
<div class="actions"><button type="submit" id="send">Send</button>
<button type="button" id="stop" class="secondary" hidden>Stop</button>
<a href="/chat">New conversation</a></div>
</form>`;
}

export function chatPage(input: ChatPageInput): string {
  const turns = input.turns.map((t, i) =>
    turnView(t, { pretty: i === input.turns.length - 1 ? input.form.pretty : true }),
  );
  const details =
    input.details === undefined
      ? ''
      : html`<details class="card">
          <summary>Full answer (JSON)</summary>
          <pre>${JSON.stringify(input.details, null, 2)}</pre>
        </details>`;
  const body = html`<h1>Chat</h1>
    <div class="layout-chat">
      <aside aria-label="Your conversations">
        <h2>Conversations</h2>
        ${sideList(input)}
      </aside>
      <div>
        <section id="turns" class="card" aria-live="polite" aria-label="Conversation">
          ${turns.length > 0 ? turns : html`<p id="no-turns" class="muted">Ask something to start a conversation.</p>`}
        </section>
        ${details} ${chatForm(input)}
      </div>
    </div>`;
  return layout({ frame: input.frame, title: 'Chat', current: '/chat', body, notice: input.notice });
}
