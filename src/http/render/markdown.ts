/**
 * Markdown → safe HTML for replies shown in a browser: marked renders, sanitize-html keeps a
 * small allow-list (no script, no event handlers, no javascript: or data: URLs). Fenced code
 * keeps its language class for the page's highlighter.
 */
import type * as markedModule from 'marked';
import type sanitizeHtml from 'sanitize-html';
import { lazyRequire } from '../../lazy-require.js';

// Loaded on the first reply rendered as HTML (see lazy-require.ts).
const loadMarked = lazyRequire<typeof markedModule>('marked');
const loadSanitizer = lazyRequire<typeof sanitizeHtml>('sanitize-html');

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
};
SANITIZE.allowedAttributes = { ...SANITIZE.allowedAttributes, a: ['href', 'title', 'rel', 'target'] };

let renderer: ((text: string) => string) | undefined;

function createRenderer(): (text: string) => string {
  const marked = new (loadMarked().Marked)({ gfm: true, breaks: true, async: false });
  const sanitize = loadSanitizer();
  const options: sanitizeHtml.IOptions = {
    ...SANITIZE,
    transformTags: {
      a: sanitize.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
    },
  };
  return (text) => sanitize(marked.parse(text) as string, options);
}

export function renderMarkdown(text: string): string {
  renderer ??= createRenderer();
  return renderer(text);
}
