import { html, type SafeHtml } from './html.js';

export interface Bar {
  label: string;
  value: number;
}

/**
 * A small bar chart as inline SVG, drawn on the server (no script, no style attribute: colours
 * come from the stylesheet's classes). Labels are escaped like any other text.
 */
export function barChart(input: { bars: Bar[]; title: string; unit: string }): SafeHtml {
  const width = 600;
  const height = 200;
  const top = 16;
  const bottom = 28;
  const left = 40;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, ...input.bars.map((b) => b.value));
  const slot = input.bars.length > 0 ? (width - left) / input.bars.length : 0;
  const barWidth = Math.max(2, Math.min(40, slot * 0.7));
  const every = Math.max(1, Math.ceil(input.bars.length / 10));
  const bars = input.bars.map((bar, i) => {
    const h = Math.round((bar.value / max) * plotHeight);
    const x = Math.round(left + i * slot + (slot - barWidth) / 2);
    const y = top + plotHeight - h;
    return html`<g
      ><rect class="bar" x="${x}" y="${y}" width="${Math.round(barWidth)}" height="${h}"
        ><title>${bar.label}: ${bar.value} ${input.unit}</title></rect
      >${
        i % every === 0
          ? html`<text x="${Math.round(x + barWidth / 2)}" y="${height - 10}" text-anchor="middle"
              >${bar.label.slice(5)}</text
            >`
          : ''
      }</g
    >`;
  });
  return html`<svg
    class="chart"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="${input.title}"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title>${input.title}</title>
    <line class="axis" x1="${left}" y1="${top + plotHeight}" x2="${width}" y2="${top + plotHeight}" />
    <text x="${left - 6}" y="${top + 4}" text-anchor="end">${max}</text>
    <text x="${left - 6}" y="${top + plotHeight}" text-anchor="end">0</text>
    ${bars}
  </svg>`;
}
