import type { AccountAdminView } from '../../accounts/service.js';
import { html, type HtmlPart } from './html.js';
import { adminNav } from './admin-nav.js';
import {
  checkbox,
  csrfField,
  field,
  formatTime,
  layout,
  select,
  type Notice,
  type PageFrame,
} from './layout.js';

function state(account: AccountAdminView): HtmlPart {
  const badge = html`<span class="badge ${account.status}" data-status="${account.status}"
    >${account.status}</span
  >`;
  const until =
    account.until && (account.status === 'cooling' || account.status === 'ejected')
      ? html` <span class="meta"
          >back <span data-until="${account.until}">at ${formatTime(account.until)}</span></span
        >`
      : '';
  const reason = account.reason ? html`<div class="meta account-reason">${account.reason}</div>` : '';
  return html`${badge}${until}${reason}`;
}

function actionForm(
  frame: PageFrame,
  name: string,
  action: string,
  label: string,
  extra?: HtmlPart,
): HtmlPart {
  return html`<form class="inline-form" method="post" action="/admin/accounts/action">
    ${csrfField(frame)} <input type="hidden" name="name" value="${name}" /><input
      type="hidden"
      name="action"
      value="${action}"
    />${extra ?? ''}
    <button type="submit" class="${action === 'remove' || action === 'disable' ? 'danger' : 'secondary'}">
      ${label}
    </button>
  </form>`;
}

function accountRow(frame: PageFrame, a: AccountAdminView): HtmlPart {
  const toggle =
    a.status === 'disabled'
      ? actionForm(frame, a.name, 'enable', 'Enable')
      : actionForm(
          frame,
          a.name,
          'disable',
          'Disable',
          html`<label class="inline"
            >Reason <input type="text" name="reason" aria-label="Reason to disable ${a.name}" maxlength="200"
          /></label>`,
        );
  return html`<tr data-account="${a.name}">
    <td>
      <strong>${a.name}</strong>
      <div class="meta">${a.kind} &middot; ${a.tier} &middot; ${a.source} &middot; proxy ${a.proxy}</div>
    </td>
    <td>${state(a)}</td>
    <td class="num">${a.inFlight}/${a.maxConcurrency}</td>
    <td class="num">${a.served}</td>
    <td class="num">${a.failed}</td>
    <td>${a.lastError ? html`<span class="meta">${a.lastError}</span>` : '—'}</td>
    <td>
      <div class="actions">
        ${toggle} ${actionForm(frame, a.name, 'test', 'Test now')}
        ${a.status === 'cooling' || a.status === 'ejected' ? actionForm(frame, a.name, 'reset-cooldown', 'Clear cooldown') : ''}
        ${a.source === 'runtime' ? actionForm(frame, a.name, 'remove', 'Remove') : ''}
      </div>
    </td>
  </tr>`;
}

function addForm(frame: PageFrame): HtmlPart {
  return html`<details class="card">
    <summary>Add an account</summary>
    <form method="post" action="/admin/accounts/add">
      ${csrfField(frame)}
      <div class="row">
        <div>${field({ name: 'name', label: 'Name', required: true, id: 'f-account-name' })}</div>
        <div>
          ${select({
            name: 'kind',
            label: 'Kind',
            selected: 'chatgpt',
            options: [
              { value: 'chatgpt', label: 'ChatGPT web account' },
              { value: 'openai', label: 'OpenAI-compatible API key' },
            ],
          })}
        </div>
      </div>
      <p>${checkbox({ name: 'plus', label: 'Plus', checked: false })}</p>
      <fieldset>
        <legend>ChatGPT: one of these</legend>
        ${field({ name: 'access_token', label: 'Access token', type: 'password', id: 'f-account-access-token' })}
        ${field({ name: 'session_token', label: 'Session token', type: 'password', id: 'f-account-session-token' })}
        ${field({ name: 'refresh_token', label: 'Refresh token', type: 'password', id: 'f-account-refresh-token' })}
        <div class="row">
          <div>${field({ name: 'email', label: 'Email', type: 'email', id: 'f-account-email' })}</div>
          <div>
            ${field({ name: 'password', label: 'Password', type: 'password', id: 'f-account-password' })}
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>OpenAI-compatible</legend>
        ${field({ name: 'api_key', label: 'API key', type: 'password', id: 'f-account-api-key' })}
        ${field({ name: 'base_url', label: 'Base URL (optional)', id: 'f-account-base-url' })}
        ${field({ name: 'models', label: 'Models (comma-separated, optional)', id: 'f-account-models' })}
      </fieldset>
      ${field({ name: 'proxy', label: 'Proxy (socks5://… or "default", optional)', id: 'f-account-proxy' })}
      ${field({ name: 'options', label: 'Options of its kind, as JSON (optional; see the README)', id: 'f-account-options' })}
      <div class="actions"><button type="submit">Add account</button></div>
    </form>
  </details>`;
}

export function adminAccountsPage(input: {
  frame: PageFrame;
  accounts: AccountAdminView[];
  notice?: Notice;
}): string {
  const { frame } = input;
  const counts = new Map<string, number>();
  for (const a of input.accounts) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no accounts';
  const body = html`<h1>Admin &middot; Accounts</h1>
    ${adminNav('/admin/accounts')}
    <p>${summary}</p>
    <div class="table-wrap card">
      <table>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">State</th>
            <th scope="col" class="num">In use</th>
            <th scope="col" class="num">Served</th>
            <th scope="col" class="num">Failed</th>
            <th scope="col">Last error</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${input.accounts.map((a) => accountRow(frame, a))}
        </tbody>
      </table>
    </div>
    ${addForm(frame)}`;
  return layout({ frame, title: 'Admin · Accounts', current: '/admin', body, notice: input.notice });
}
