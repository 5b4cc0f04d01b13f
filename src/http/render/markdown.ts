/**
 * Markdown → safe HTML for replies shown in a browser: marked renders, sanitize-html keeps a
 * small allow-list (no script, no event handlers, no javascript: or data: URLs). Fenced code
 * keeps its language class for the page's highlighter.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: true, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'span',
  ],
  allowedAttributes: { a: ['href', 'title'], code: ['class'], span: ['class'], th: ['align'], td: ['align'] },
  allowedClasses: { code: [/^language-[\w-]+$/], span: [/^hl-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
  },
};
SANITIZE.allowedAttributes = { ...SANITIZE.allowedAttributes, a: ['href', 'title', 'rel', 'target'] };

export function renderMarkdown(text: string): string {
  return sanitizeHtml(marked.parse(text) as string, SANITIZE);
}
