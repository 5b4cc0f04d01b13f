import { html, type SafeHtml } from './html.js';

const SECTIONS = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/accounts', label: 'Accounts' },
  { href: '/admin/conversations', label: 'Conversations' },
  { href: '/admin/usage', label: 'Usage' },
];

export function adminNav(current: string): SafeHtml {
  return html`<nav class="tabs" aria-label="Admin sections">
    ${SECTIONS.map(
      (s) =>
        html`<a
          class="button${s.href === current ? '' : ' secondary'}"
          href="${s.href}"
          ${s.href === current ? html` aria-current="page"` : ''}
          >${s.label}</a
        >`,
    )}
  </nav>`;
}
