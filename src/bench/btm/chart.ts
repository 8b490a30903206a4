// The BTM benchmark's chart: a grouped horizontal bar chart (SVG) of in-domain and out-of-domain mean test
// perplexity per row, bars from zero, each value printed at its bar's end, and dashed lines at the dense
// model's two values so "beats dense" reads at a glance. Written atomically next to the report.
import { renameSync, writeFileSync } from 'node:fs';
import type { Row } from './results';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLOURS = { inDomain: '#2b6cb0', outOfDomain: '#dd6b20' } as const;

/** A round axis maximum at or above `v` (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) and a tick step of a fifth of it. */
export function niceAxis(v: number): { max: number; step: number } {
  if (!(v > 0) || !Number.isFinite(v)) return { max: 1, step: 0.2 };
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * power >= v) return { max: m * power, step: (m * power) / 5 };
  return { max: 10 * power, step: 2 * power };
}

export function barChartSvg(rows: readonly Row[], title: string): string {
  const labelWidth = 430;
  const plotWidth = 460;
  const rightPad = 70;
  const bar = 12;
  const rowHeight = 2 * bar + 12;
  const top = 56;
  const height = top + rows.length * rowHeight + 40;
  const width = labelWidth + plotWidth + rightPad;
  const values = rows.flatMap((r) => [r.inDomain.perplexity, r.outOfDomain.perplexity]).filter(Number.isFinite);
  const axis = niceAxis(Math.max(...values, 0));
  const x = (v: number) => labelWidth + (Math.max(0, Math.min(v, axis.max)) / axis.max) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${labelWidth}" y="32" width="12" height="12" fill="${COLOURS.inDomain}"/><text x="${labelWidth + 18}" y="42">in-domain mean</text>`,
    `<rect x="${labelWidth + 140}" y="32" width="12" height="12" fill="${COLOURS.outOfDomain}"/><text x="${labelWidth + 158}" y="42">out-of-domain mean</text>`,
  ];
  for (let t = 0; t <= axis.max + 1e-9; t += axis.step) {
    const gx = x(t);
    parts.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + rows.length * rowHeight}" stroke="#e2e8f0"/>`);
    parts.push(
      `<text x="${gx}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#4a5568">${Number(t.toPrecision(6))}</text>`,
    );
  }
  parts.push(
    `<text x="${labelWidth + plotWidth / 2}" y="${height - 6}" text-anchor="middle" fill="#4a5568">test perplexity (lower is better)</text>`,
  );
  const dense = rows.find((r) => r.id === 'dense');
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${labelWidth - 8}" y="${y + bar + 4}" text-anchor="end">${escape(r.label)}</text>`);
    for (const [j, side] of (['inDomain', 'outOfDomain'] as const).entries()) {
      const v = r[side].perplexity;
      const by = y + j * bar;
      parts.push(
        `<rect x="${labelWidth}" y="${by}" width="${Math.max(0, x(v) - labelWidth).toFixed(1)}" height="${bar - 1}" fill="${COLOURS[side]}"><title>${escape(`${r.label}, ${side === 'inDomain' ? 'in-domain' : 'out-of-domain'}: ${v.toFixed(2)}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(x(v) + 4).toFixed(1)}" y="${by + bar - 2}" font-size="10" fill="#1a202c">${Number.isFinite(v) ? v.toFixed(1) : String(v)}</text>`,
      );
    }
  });
  if (dense) {
    for (const side of ['inDomain', 'outOfDomain'] as const) {
      const dx = x(dense[side].perplexity).toFixed(1);
      parts.push(
        `<line x1="${dx}" y1="${top - 4}" x2="${dx}" y2="${top + rows.length * rowHeight}" stroke="${COLOURS[side]}" stroke-dasharray="4 3" stroke-width="1"/>`,
      );
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeChart(path: string, rows: readonly Row[], title: string): string {
  writeFileSync(`${path}.tmp`, barChartSvg(rows, title));
  renameSync(`${path}.tmp`, path);
  return path;
}
