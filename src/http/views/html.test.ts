import { describe, expect, it } from 'vitest';
import { barChart } from './chart.js';
import { escapeHtml, html, trusted } from './html.js';

// An alias, so the formatter leaves these exact templates alone.
const tag = html;

describe('html template tag', () => {
  it('escapes every interpolated value', () => {
    const evil = `<script>x</script>" onmouseover='y' &`;
    expect(tag`<p title="${evil}">${evil}</p>`.value).toBe(
      `<p title="${escapeHtml(evil)}">${escapeHtml(evil)}</p>`,
    );
    expect(tag`${evil}`.value).not.toMatch(/[<>"']/);
  });

  it('keeps SafeHtml, joins arrays and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((t) => tag`<li>${t}</li>`);
    expect(tag`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
    expect(tag`${trusted('<b>ok</b>')}`.value).toBe('<b>ok</b>');
  });
});

describe('barChart', () => {
  it('draws one bar per day, scaled to the largest, with escaped labels', () => {
    const svg = barChart({
      title: 'Requests <per> day',
      unit: 'requests',
      bars: [
        { label: '2026-01-01', value: 2 },
        { label: '2026-01-02', value: 4 },
      ],
    }).value;
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2);
    const heights = [...svg.matchAll(/<rect class="bar"[^>]*\sheight="(\d+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBe((heights[0] ?? 0) * 2);
    expect(svg).toContain('Requests &lt;per&gt; day');
    expect(svg).not.toMatch(/style=|<script/);
  });
});
