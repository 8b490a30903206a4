import { describe, expect, it } from 'vitest';
import { barChartSvg, niceAxis } from '../../../src/bench/btm/chart';
import { makeRow } from '../../../src/bench/btm/results';

const score = (perplexity: number) => ({ perplexity, bitsPerByte: Math.log2(perplexity) / 4, loss: Math.log(perplexity), tokens: 100 });

describe('BTM chart', () => {
  it('picks round axis maxima', () => {
    expect(niceAxis(87)).toEqual({ max: 100, step: 20 });
    expect(niceAxis(140)).toEqual({ max: 150, step: 30 });
    expect(niceAxis(284)).toEqual({ max: 300, step: 60 });
    expect(niceAxis(230)).toEqual({ max: 250, step: 50 });
    expect(niceAxis(0)).toEqual({ max: 1, step: 0.2 });
  });

  it('draws two bars per row from zero with their values, dashed lines at the dense values, and escapes labels', () => {
    const rows = [
      makeRow('dense', { a: score(100), b: score(200) }, ['a'], ['b']),
      makeRow('ensemble-cached-context', { a: score(50), b: score(150) }, ['a'], ['b']),
    ];
    const svg = barChartSvg(rows, 'A & B <test>');
    expect(svg).toContain('A &amp; B &lt;test&gt;');
    const bars = [...svg.matchAll(/<rect x="430" y="[\d.]+" width="([\d.]+)" height="11"/g)].map((m) => Number(m[1]));
    // axis max 200 over 460 px: 100 -> 230 px, 200 -> 460, 50 -> 115, 150 -> 345
    expect(bars).toEqual([230, 460, 115, 345]);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('>150.0</text>');
  });
});
