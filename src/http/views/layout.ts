import type { Principal } from '../../users/principal.js';
import { ASSETS } from '../assets/index.js';
import { html, type HtmlPart, type SafeHtml } from './html.js';

/** What every page needs besides its own content. */
export interface PageFrame {
  principal?: Principal;
  /** CSRF token for the forms of this page (sign-out included). */
  csrf: string;
  simulated: boolean;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: HtmlPart;
}

export const DEMO_BANNER = 'Answers come from the built-in upstream simulator (demo mode)';

export const csrfField = (frame: PageFrame): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${frame.csrf}" />`;

const NAV: { href: string; label: string; admin?: boolean }[] = [
  { href: '/chat', label: 'Chat' },
  { href: '/recall', label: 'Conversations' },
  { href: '/access-token', label: 'Access token' },
  { href: '/admin', label: 'Admin', admin: true },
];

function header(frame: PageFrame, current: string | undefined): SafeHtml {
  const links = NAV.filter((item) => !item.admin || frame.principal?.admin).map(
    (item) =>
      html`<a href="${item.href}" ${item.href === current ? html` aria-current="page"` : ''}
        >${item.label}</a
      >`,
  );
  const who = frame.principal
    ? html`<span>Signed in as <strong>${frame.principal.username}</strong></span>
        <form class="inline-form" method="post" action="/signout">
          ${csrfField(frame)}<button type="submit" class="secondary">Sign out</button>
        </form>`
    : html`<a href="/signin">Sign in</a>`;
  return html`<header class="top">
    <nav aria-label="Main">${links}</nav>
    <div class="who">${who}</div>
  </header>`;
}

export function layout(input: {
  frame: PageFrame;
  title: string;
  body: HtmlPart;
  /** Nav entry to mark as the current page. */
  current?: string;
  notice?: Notice;
}): string {
  const { frame } = input;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${input.title} &middot; chatgpt-api-server</title>
        <link rel="stylesheet" href="${ASSETS.css.url}" />
        <script src="${ASSETS.js.url}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header(frame, input.current)}
        ${frame.simulated ? html`<p class="demo-banner" role="note">${DEMO_BANNER}</p>` : ''}
        <main id="main">
          ${input.notice ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${input.notice.text}</div>` : ''}
          ${input.body}
        </main>
      </body>
    </html>`.value;
}

/** A labelled control. */
export function field(input: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  id?: string;
}): SafeHtml {
  const id = input.id ?? `f-${input.name}`;
  return html`<label for="${id}">${input.label}</label>
    <input
      id="${id}"
      name="${input.name}"
      type="${input.type ?? 'text'}"
      value="${input.value ?? ''}"
      ${input.required ? html` required` : ''}
      autocomplete="${input.autocomplete ?? 'off'}"
      ${input.placeholder ? html` placeholder="${input.placeholder}"` : ''}
    />`;
}

export function checkbox(input: { name: string; label: string; checked: boolean; value?: string }): SafeHtml {
  return html`<label class="inline"
    ><input
      type="checkbox"
      name="${input.name}"
      value="${input.value ?? 'true'}"
      ${input.checked ? html` checked` : ''}
    />
    ${input.label}</label
  >`;
}

export function select(input: {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  selected?: string;
}): SafeHtml {
  const id = `f-${input.name}`;
  return html`<label for="${id}">${input.label}</label>
    <select id="${id}" name="${input.name}">
      ${input.options.map(
        (o) =>
          html`<option value="${o.value}" ${o.value === input.selected ? html` selected` : ''}>
            ${o.label}
          </option>`,
      )}
    </select>`;
}

export const formatTime = (epochMs: number | null | undefined): string =>
  epochMs ? new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
