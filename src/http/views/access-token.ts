import { html, type HtmlPart } from './html.js';
import { csrfField, field, formatTime, layout, type PageFrame } from './layout.js';

export type TokenMethod = 'password' | 'session' | 'refresh';

export interface TokenShown {
  accessToken: string;
  expiresAt?: Date;
  /** A rotated session or refresh token the caller should keep instead of the old one. */
  rotated?: { label: string; value: string };
}

const METHODS: { method: TokenMethod; title: string; fields: HtmlPart }[] = [
  {
    method: 'password',
    title: 'Email and password',
    fields: html`${field({ name: 'email', label: 'Email', type: 'email', required: true, id: 'f-email' })}
    ${field({ name: 'password', label: 'Password', type: 'password', required: true, id: 'f-password' })}`,
  },
  {
    method: 'session',
    title: 'Session token',
    fields: field({
      name: 'session_token',
      label: 'Session token (cookie __Secure-next-auth.session-token)',
      type: 'password',
      required: true,
    }),
  },
  {
    method: 'refresh',
    title: 'Refresh token',
    fields: field({ name: 'refresh_token', label: 'Refresh token', type: 'password', required: true }),
  },
];

function result(shown: TokenShown): HtmlPart {
  return html`<section class="card" aria-labelledby="token-title">
    <h2 id="token-title">Your access token</h2>
    <textarea id="access-token-value" class="token" rows="4" readonly>${shown.accessToken}</textarea>
    <div class="actions">
      <button type="button" data-copy="access-token-value" hidden>Copy</button>
      <span
        >Expires:
        <strong id="access-token-expiry"
          >${shown.expiresAt ? formatTime(shown.expiresAt.getTime()) : 'unknown'}</strong
        ></span
      >
    </div>
    ${
      shown.rotated
        ? html`<p>Your ${shown.rotated.label} was rotated; keep the new one:</p>
            <pre id="rotated-token">${shown.rotated.value}</pre>`
        : ''
    }
  </section>`;
}

export function accessTokenPage(input: { frame: PageFrame; shown?: TokenShown }): string {
  const { frame } = input;
  // Each of the three forms needs the key when not signed in (ids must stay unique).
  const key = (method: TokenMethod) =>
    frame.principal
      ? ''
      : field({
          name: 'user',
          label: 'Your API key',
          type: 'password',
          required: true,
          id: `f-user-${method}`,
        });
  const tabs = html`<nav class="tabs" aria-label="Ways to get a token">
    ${METHODS.map((m) => html`<a class="button secondary" href="#tab-${m.method}">${m.title}</a>`)}
  </nav>`;
  const forms = METHODS.map(
    (m) =>
      html`<section id="tab-${m.method}" class="card" aria-labelledby="tab-${m.method}-title">
        <h2 id="tab-${m.method}-title">${m.title}</h2>
        <form method="post" action="/access-token">
          ${csrfField(frame)}<input type="hidden" name="method" value="${m.method}" />
          ${key(m.method)} ${m.fields}
          <div class="actions"><button type="submit">Get access token</button></div>
        </form>
      </section>`,
  );
  const body = html`<h1>Access token</h1>
    <p class="muted">
      Get a ChatGPT access token for your own account, to chat with it through this server (the "own access
      token" option of the chat). Your credentials are used once and never stored.
    </p>
    ${input.shown ? result(input.shown) : ''} ${tabs} ${forms}`;
  return layout({ frame, title: 'Access token', current: '/access-token', body });
}
