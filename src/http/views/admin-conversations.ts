import type { ConversationRow } from '../../store/index.js';
import { html } from './html.js';
import { adminNav } from './admin-nav.js';
import { turnView, type TurnDisplay } from './conversation.js';
import { field, formatTime, layout, select, type PageFrame } from './layout.js';

export interface AdminConversationFilter {
  user: string;
  account: string;
  status: string;
  q: string;
  offset: number;
}

export function adminConversationsPage(input: {
  frame: PageFrame;
  filter: AdminConversationFilter;
  rows: (ConversationRow & { username: string | null })[];
  total: number;
  pageSize: number;
}): string {
  const { frame, filter } = input;
  const query = (offset: number) =>
    new URLSearchParams({
      user: filter.user,
      account: filter.account,
      status: filter.status,
      q: filter.q,
      offset: String(offset),
    }).toString();
  const rows = input.rows.map(
    (c) =>
      html`<tr>
        <td>
          <a href="/admin/conversations/${encodeURIComponent(c.id)}">${c.title || 'Untitled'}</a>
          <div class="meta">${c.id}</div>
        </td>
        <td>
          ${c.user_id}${c.username && c.username !== c.user_id ? html` <span class="meta">(${c.username})</span>` : ''}
        </td>
        <td>${c.account_name ?? '—'}</td>
        <td>${formatTime(c.updated_at)}</td>
      </tr>`,
  );
  const prev = filter.offset > 0 ? Math.max(0, filter.offset - input.pageSize) : undefined;
  const next = filter.offset + input.pageSize < input.total ? filter.offset + input.pageSize : undefined;
  const body = html`<h1>Admin &middot; Conversations</h1>
    ${adminNav('/admin/conversations')}
    <form class="card" method="get" action="/admin/conversations" role="search">
      <div class="row">
        <div>${field({ name: 'user', label: 'User id', value: filter.user })}</div>
        <div>${field({ name: 'account', label: 'Account', value: filter.account })}</div>
        <div>
          ${select({
            name: 'status',
            label: 'Has a turn that is',
            selected: filter.status,
            options: [
              { value: '', label: 'any' },
              ...['complete', 'incomplete', 'cancelled', 'error', 'pending'].map((s) => ({
                value: s,
                label: s,
              })),
            ],
          })}
        </div>
        <div>${field({ name: 'q', label: 'Text', type: 'search', value: filter.q })}</div>
      </div>
      <div class="actions"><button type="submit">Filter</button><a href="/admin/conversations">Clear</a></div>
    </form>
    <p class="muted">${input.total} conversation(s)</p>
    <div class="table-wrap card">
      <table>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">User</th>
            <th scope="col">Account</th>
            <th scope="col">Last activity</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    <div class="pager">
      ${prev !== undefined ? html`<a href="/admin/conversations?${query(prev)}">&larr; Newer</a>` : ''}${next !== undefined ? html`<a href="/admin/conversations?${query(next)}">Older &rarr;</a>` : ''}
    </div>`;
  return layout({ frame, title: 'Admin · Conversations', current: '/admin', body });
}

export function adminConversationPage(input: {
  frame: PageFrame;
  conversation: ConversationRow;
  turns: TurnDisplay[];
}): string {
  const c = input.conversation;
  const body = html`<h1>${c.title || 'Untitled conversation'}</h1>
    ${adminNav('/admin/conversations')}
    <p class="meta">
      ${c.id} &middot; user ${c.user_id} &middot;
      ${c.origin === 'own_token' ? 'own access token' : `account ${c.account_name ?? '—'}`} &middot; started
      ${formatTime(c.created_at)}
    </p>
    <section id="turns" class="card" aria-label="Turns">
      ${input.turns.length > 0 ? input.turns.map((t) => turnView(t)) : html`<p class="muted">No turns.</p>`}
    </section>
    <p><a href="/admin/conversations">&larr; All conversations</a></p>`;
  return layout({ frame: input.frame, title: 'Admin · Conversation', current: '/admin', body });
}
