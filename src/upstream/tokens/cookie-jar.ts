/**
 * A per-call cookie jar for the login flow: name → value, no domain or path matching, because
 * one login talks to one site (and its auth host) and the jar is dropped right after.
 */
export const SESSION_COOKIE = '__Secure-next-auth.session-token';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(initial)) this.cookies.set(name, value);
  }

  /** Takes the Set-Cookie headers of a response; expired or emptied cookies are removed. */
  absorb(setCookie: string | string[] | undefined): void {
    const headers = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    for (const header of headers) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const removed =
        value === '' ||
        attributes.some((attribute) => {
          const [key = '', attributeValue = ''] = attribute.split('=').map((part) => part.trim());
          if (key.toLowerCase() === 'max-age') return Number(attributeValue) <= 0;
          if (key.toLowerCase() === 'expires') return Date.parse(attributeValue) <= Date.now();
          return false;
        });
      if (removed) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /**
   * The next-auth session token. next-auth splits a large one into `<name>.0`, `<name>.1`, …
   * chunks, which are joined back in order.
   */
  sessionToken(): string | undefined {
    const whole = this.cookies.get(SESSION_COOKIE);
    if (whole) return whole;
    const parts: string[] = [];
    for (let index = 0; this.cookies.has(`${SESSION_COOKIE}.${index}`); index++) {
      parts.push(this.cookies.get(`${SESSION_COOKIE}.${index}`) ?? '');
    }
    return parts.length > 0 ? parts.join('') : undefined;
  }
}
