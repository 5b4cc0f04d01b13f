import { html } from './html.js';
import { csrfField, formatTime, layout, type Notice, type PageFrame } from './layout.js';

export interface ConversationSummary {
  id: string;
  title: string | null;
  updatedAt: number;
  model: string | null;
  account: string | null;
}

export function recallPage(input: {
  frame: PageFrame;
  q: string;
  conversations: ConversationSummary[];
  total: number;
  offset: number;
  pageSize: number;
  notice?: Notice;
}): string {
  const { frame } = input;
  const rows = input.conversations.map(
    (c) =>
      html`<tr>
        <td>
          <a href="/chat?conversation_id=${encodeURIComponent(c.id)}">${c.title || 'Untitled'}</a>
          <div class="meta">${c.id}</div>
        </td>
        <td>${formatTime(c.updatedAt)}</td>
        <td>${c.model ?? '—'}</td>
        <td>
          <form
            class="inline-form"
            method="post"
            action="/recall/delete"
            data-confirm="Delete this conversation?"
          >
            ${csrfField(frame)}<input type="hidden" name="conversation_id" value="${c.id}" /><input
              type="hidden"
              name="q"
              value="${input.q}"
            />
            <button type="submit" class="danger" aria-label="Delete ${c.title || c.id}">Delete</button>
          </form>
        </td>
      </tr>`,
  );
  const prev = input.offset > 0 ? Math.max(0, input.offset - input.pageSize) : undefined;
  const next = input.offset + input.pageSize < input.total ? input.offset + input.pageSize : undefined;
  const pageLink = (offset: number, label: string) =>
    html`<a href="/recall?q=${encodeURIComponent(input.q)}&amp;offset=${offset}">${label}</a>`;
  const body = html`<h1>Your conversations</h1>
    <form class="card" method="get" action="/recall" role="search">
      <label for="f-q">Search titles, prompts and replies</label>
      <input id="f-q" name="q" type="search" value="${input.q}" />
      <div class="actions"><button type="submit">Search</button></div>
    </form>
    <p class="muted">${input.total} conversation(s)</p>
    <div class="table-wrap card">
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Last activity</th>
            <th scope="col">Model</th>
            <th scope="col"><span class="muted">Actions</span></th>
          </tr>
        </thead>
        <tbody id="recall-list">
          ${rows}
        </tbody>
      </table>
    </div>
    <div class="pager">
      ${prev !== undefined ? pageLink(prev, '← Newer') : ''}${next !== undefined ? pageLink(next, 'Older →') : ''}
    </div>`;
  return layout({ frame, title: 'Conversations', current: '/recall', body, notice: input.notice });
}
