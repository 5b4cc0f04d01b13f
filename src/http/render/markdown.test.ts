import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders Markdown with fenced code and line breaks', () => {
    const html = renderMarkdown('**bold**\nnext line\n\n```js\nconst a = 1;\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<br />');
    expect(html).toContain('<code class="language-js">');
  });

  it.each([
    ['<script>window.pwned=1</script>', /<script/i],
    ['<img src=x onerror="window.pwned=1">', /onerror|<img/i],
    ['[click](javascript:alert(1))', /javascript:/i],
    ['<a href="data:image/svg+xml;base64,PHN2Zz4=">x</a>', /data:/i],
    ['<svg onload="alert(1)"></svg>', /<svg|onload/i],
    ['<iframe src="https://evil.example"></iframe>', /<iframe/i],
  ])('removes dangerous content from %s', (input, forbidden) => {
    expect(renderMarkdown(input)).not.toMatch(forbidden);
  });

  it('keeps ordinary links, made safe', () => {
    expect(renderMarkdown('[x](https://example.com)')).toContain(
      'href="https://example.com" rel="noopener noreferrer nofollow" target="_blank"',
    );
  });
});
