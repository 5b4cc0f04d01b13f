import { html } from './html.js';
import { csrfField, field, layout, type Notice, type PageFrame } from './layout.js';

export function signinPage(input: { frame: PageFrame; next: string; notice?: Notice }): string {
  const body = html`<h1>Sign in</h1>
    <form class="card" method="post" action="/signin">
      ${csrfField(input.frame)}<input type="hidden" name="next" value="${input.next}" />
      ${field({ name: 'key', label: 'Your API key (user or admin)', type: 'password', required: true, autocomplete: 'current-password' })}
      <p class="muted">The key is checked once; the session keeps your user id, not the key.</p>
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>`;
  return layout({ frame: input.frame, title: 'Sign in', body, notice: input.notice });
}
