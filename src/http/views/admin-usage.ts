import { html, type HtmlPart } from './html.js';
import { adminNav } from './admin-nav.js';
import { barChart, type Bar } from './chart.js';
import { field, layout, type PageFrame } from './layout.js';

export interface UsageLine {
  day: string;
  /** User id or account name. */
  who: string;
  requests: number;
  failures: number;
  chars: number;
  tokens: number;
}

function usageTable(caption: string, whoLabel: string, lines: UsageLine[]): HtmlPart {
  return html`<div class="table-wrap card">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">Day</th>
          <th scope="col">${whoLabel}</th>
          <th scope="col" class="num">Requests</th>
          <th scope="col" class="num">Failures</th>
          <th scope="col" class="num">Characters</th>
          <th scope="col" class="num">Tokens</th>
        </tr>
      </thead>
      <tbody>
        ${lines.map(
          (l) =>
            html`<tr>
              <td>${l.day}</td>
              <td>${l.who || '—'}</td>
              <td class="num">${l.requests}</td>
              <td class="num">${l.failures}</td>
              <td class="num">${l.chars}</td>
              <td class="num">${l.tokens}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function adminUsagePage(input: {
  frame: PageFrame;
  from: string;
  to: string;
  perDay: Bar[];
  byUser: UsageLine[];
  byAccount: UsageLine[];
}): string {
  const body = html`<h1>Admin &middot; Usage</h1>
    ${adminNav('/admin/usage')}
    <form class="card" method="get" action="/admin/usage">
      <div class="row">
        <div>${field({ name: 'from', label: 'From (UTC day)', type: 'date', value: input.from })}</div>
        <div>${field({ name: 'to', label: 'To (UTC day)', type: 'date', value: input.to })}</div>
      </div>
      <div class="actions"><button type="submit">Show</button></div>
    </form>
    <section class="card" aria-labelledby="chart-title">
      <h2 id="chart-title">Requests per day</h2>
      ${barChart({ bars: input.perDay, title: `Requests per day from ${input.from} to ${input.to}`, unit: 'requests' })}
    </section>
    <h2>Per user and day</h2>
    ${usageTable('Usage per user and day', 'User', input.byUser)}
    <h2>Per account and day</h2>
    ${usageTable('Usage per account and day', 'Account', input.byAccount)}`;
  return layout({ frame: input.frame, title: 'Admin · Usage', current: '/admin', body });
}

export function adminHomePage(input: {
  frame: PageFrame;
  users: number;
  accounts: { total: number; ready: number; disabled: number };
  conversations: number;
}): string {
  const body = html`<h1>Admin</h1>
    ${adminNav('')}
    <div class="row">
      <section class="card">
        <h2><a href="/admin/users">Users</a></h2>
        <p>${input.users} user(s)</p>
        <p><a href="/admin/add-user">Add a user</a></p>
      </section>
      <section class="card">
        <h2><a href="/admin/accounts">Accounts</a></h2>
        <p>
          ${input.accounts.total} account(s): ${input.accounts.ready} ready, ${input.accounts.disabled}
          disabled
        </p>
      </section>
      <section class="card">
        <h2><a href="/admin/conversations">Conversations</a></h2>
        <p>${input.conversations} conversation(s)</p>
      </section>
      <section class="card">
        <h2><a href="/admin/usage">Usage</a></h2>
        <p>Requests and characters per day.</p>
      </section>
    </div>`;
  return layout({ frame: input.frame, title: 'Admin', current: '/admin', body });
}
