const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** HTML that is already safe: produced by `html` or by the Markdown sanitiser. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks trusted HTML (sanitised Markdown, server-built SVG). Never pass user text here. */
export const trusted = (value: string): SafeHtml => new SafeHtml(value);

export type HtmlPart = SafeHtml | string | number | null | undefined | false | readonly HtmlPart[];

function renderPart(part: HtmlPart): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map((p: HtmlPart) => renderPart(p)).join('');
  return escapeHtml(part);
}

/**
 * Template tag for views: every interpolated value is escaped unless it is SafeHtml, so a
 * forgotten escape cannot happen. Arrays are joined; null, undefined and false render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlPart[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += renderPart(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}
