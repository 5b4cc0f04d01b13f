/** A cookie-keeping HTTP client for page tests without a browser (forms, CSRF, sessions). */
import { request } from 'undici';

export interface PageResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Raw Set-Cookie lines of this response. */
  setCookies: string[];
}

export function csrfTokenIn(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('no CSRF token in the page');
  return token;
}

export function createPageClient(baseUrl: string) {
  const jar = new Map<string, string>();

  async function send(
    path: string,
    init: { method?: 'GET' | 'POST'; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<PageResponse> {
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    if (jar.size > 0 && !headers.cookie)
      headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await request(baseUrl + path, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
    });
    const raw = res.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line))
        jar.delete(name);
      else jar.set(name, value);
    }
    return { status: res.statusCode, headers: res.headers, text: await res.body.text(), setCookies };
  }

  return {
    jar,
    get: (path: string, headers?: Record<string, string>) => send(path, { headers }),
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) =>
      send(path, { method: 'POST', form, headers }),
    /** GETs `formPage` for a CSRF token, then posts the form with it. */
    async submit(formPage: string, path: string, form: Record<string, string>): Promise<PageResponse> {
      const page = await send(formPage);
      return send(path, { method: 'POST', form: { _csrf: csrfTokenIn(page.text), ...form } });
    },
    async signIn(key: string): Promise<PageResponse> {
      const page = await send('/signin');
      return send('/signin', { method: 'POST', form: { _csrf: csrfTokenIn(page.text), key } });
    },
  };
}

export type PageClient = ReturnType<typeof createPageClient>;
