import type { UserView } from '../../users/presenter.js';
import { html, type HtmlPart } from './html.js';
import { adminNav } from './admin-nav.js';
import { checkbox, csrfField, field, layout, type Notice, type PageFrame } from './layout.js';

/** The add-user form; `askAdminKey` when the visitor is not signed in as an admin. */
export function addUserForm(frame: PageFrame, askAdminKey: boolean): HtmlPart {
  return html`<form class="card" method="post" action="/admin/users/add" aria-labelledby="add-user-title">
    <h2 id="add-user-title">Add a user</h2>
    ${csrfField(frame)}
    ${askAdminKey ? field({ name: 'admin', label: 'Admin key', type: 'password', required: true, id: 'f-admin-key' }) : ''}
    <div class="row">
      <div>${field({ name: 'userid', label: 'User id', required: true, id: 'f-new-userid' })}</div>
      <div>${field({ name: 'username', label: 'Name', id: 'f-new-username' })}</div>
    </div>
    ${expiryField('f-new-key-expires', '')}
    <p>
      ${checkbox({ name: 'plus', label: 'Plus', checked: false })}${checkbox({ name: 'is_client', label: 'Client', checked: false })}${checkbox({ name: 'is_admin', label: 'Admin', checked: false })}
    </p>
    <div class="actions"><button type="submit">Add user</button></div>
  </form>`;
}

/** A new or rotated key, shown this once. */
export function newKeyNotice(userId: string, apiKey: string): HtmlPart {
  return html`<p>New key for <strong>${userId}</strong> &mdash; shown only this once, copy it now:</p>
    <p class="secret" id="new-api-key">${apiKey}</p>
    <button type="button" data-copy="new-api-key" hidden>Copy</button>`;
}

/** The key's expiry: an ISO 8601 date or date-time; empty means never. */
function expiryField(
  id: string,
  value: string,
  label = 'Key expires (YYYY-MM-DD, 00:00 UTC, or an ISO date-time; empty: never)',
): HtmlPart {
  return field({
    name: 'key_expires_at',
    label,
    value,
    placeholder: 'never',
    id,
  });
}

function expiryNote(expiresAt: string): string {
  return `${Date.parse(expiresAt) <= Date.now() ? 'expired' : 'expires'} ${expiresAt}`;
}

function limitValue(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

function userRow(frame: PageFrame, user: UserView): HtmlPart {
  const flags = [
    user.plus && 'plus',
    user.admin && 'admin',
    user.client && 'client',
    user.disabled && 'disabled',
  ]
    .filter(Boolean)
    .join(', ');
  const hidden = html`${csrfField(frame)}<input type="hidden" name="user_id" value="${user.user_id}" />`;
  return html`<tr data-user="${user.user_id}">
    <td>
      <strong>${user.user_id}</strong>
      <div class="meta">${user.username}</div>
    </td>
    <td>${flags || '—'}</td>
    <td>
      ${user.key_last4 ? html`&hellip;${user.key_last4}` : '—'}
      ${user.key_expires_at ? html`<div class="meta">${expiryNote(user.key_expires_at)}</div>` : ''}
    </td>
    <td>
      ${user.limits.requests_per_minute ?? '—'} / min, ${user.limits.requests_per_day ?? '—'} / day
      <div class="meta">
        ${user.limits.models ? html`models: ${user.limits.models.join(', ')}` : 'all models'}
      </div>
    </td>
    <td>
      <details>
        <summary>Edit</summary>
        <form method="post" action="/admin/users/update">
          ${hidden}
          <p>
            ${checkbox({ name: 'plus', label: 'Plus', checked: user.plus })}${checkbox({ name: 'is_client', label: 'Client', checked: user.client })}${checkbox({ name: 'is_admin', label: 'Admin', checked: user.admin })}${checkbox({ name: 'disabled', label: 'Disabled', checked: user.disabled })}
          </p>
          <div class="row">
            <div>
              ${field({ name: 'requests_per_minute', label: 'Requests per minute', type: 'number', value: limitValue(user.limits.requests_per_minute), id: `f-rpm-${user.user_id}` })}
            </div>
            <div>
              ${field({ name: 'requests_per_day', label: 'Requests per day', type: 'number', value: limitValue(user.limits.requests_per_day), id: `f-rpd-${user.user_id}` })}
            </div>
          </div>
          ${field({ name: 'models', label: 'Models (comma-separated; empty: all)', value: user.limits.models?.join(', ') ?? '', id: `f-models-${user.user_id}` })}
          ${expiryField(`f-key-expires-${user.user_id}`, user.key_expires_at ?? '')}
          <input type="hidden" name="key_expires_was" value="${user.key_expires_at ?? ''}" />
          <div class="actions"><button type="submit">Save</button></div>
        </form>
        <form
          method="post"
          action="/admin/users/rotate"
          data-confirm="Replace this user's key? The old key stops working."
        >
          ${hidden} ${expiryField(`f-rotate-expires-${user.user_id}`, '', 'New key expires (empty: never)')}
          <div class="actions">
            <button type="submit" class="secondary">Rotate key</button>
          </div>
        </form>
        <div class="actions">
          <form
            class="inline-form"
            method="post"
            action="/admin/users/remove"
            data-confirm="Remove this user?"
          >
            ${hidden}<button type="submit" class="danger">Remove</button>
          </form>
        </div>
      </details>
    </td>
  </tr>`;
}

export function adminUsersPage(input: { frame: PageFrame; users: UserView[]; notice?: Notice }): string {
  const { frame } = input;
  const body = html`<h1>Admin &middot; Users</h1>
    ${adminNav('/admin/users')} ${addUserForm(frame, false)}
    <div class="table-wrap card">
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Permissions</th>
            <th scope="col">Key</th>
            <th scope="col">Limits</th>
            <th scope="col">Manage</th>
          </tr>
        </thead>
        <tbody>
          ${input.users.map((u) => userRow(frame, u))}
        </tbody>
      </table>
    </div>`;
  return layout({ frame, title: 'Admin · Users', current: '/admin', body, notice: input.notice });
}

/** The original's /admin/add-user page. */
export function addUserPage(input: { frame: PageFrame; askAdminKey: boolean; notice?: Notice }): string {
  const body = html`<h1>Add a user</h1>
    ${addUserForm(input.frame, input.askAdminKey)}`;
  return layout({ frame: input.frame, title: 'Add a user', current: '/admin', body, notice: input.notice });
}
