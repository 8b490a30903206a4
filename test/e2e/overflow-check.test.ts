// The screen tests' overflow check must be able to fail: in Chromium, small pages with a deliberately
// overflowing element (or a select that cuts its option) are reported, and the same elements in a container that scrolls or clips on purpose, or
// screen-reader-only text, are not.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { horizontalOverflow } from '../helpers/overflow';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 640, height: 400 } });
});
afterAll(() => browser?.close());

const card = (inner: string, style = '') => `<body style="margin:0"><div class="card" style="width:300px;${style}">${inner}</div></body>`;
const check = async (html: string): Promise<string[]> => {
  await page.setContent(html);
  return horizontalOverflow(page);
};

describe('the horizontal-overflow check', () => {
  it('passes a layout that fits', async () => {
    await expect(check(card('<p>Short text</p><input style="width:100%;box-sizing:border-box">'))).resolves.toEqual([]);
  });

  it('reports a child wider than its card (the first-run picker case)', async () => {
    const found = await check(card('<select class="picker" style="width:420px"><option>a model</option></select>'));
    expect(found.join('\n')).toMatch(/select\.picker.*sticks out of div\.card.* by 120 px/);
  });

  it('reports a word that does not wrap out of its box, and a page that scrolls sideways', async () => {
    const found = await check(card(`<p class="path">${'/very/long/path'.repeat(40)}</p>`));
    expect(found.join('\n')).toMatch(/p\.path.*content \d+ px wide in a 300 px box/);
    expect(found.join('\n')).toMatch(/div\.card.*content \d+ px wide in a 300 px box/);
    expect(found.join('\n')).toMatch(/the page scrolls sideways/);
  });

  it('reports an element past the window’s right edge though its parent is as wide', async () => {
    const found = await check(
      '<body style="margin:0"><div class="wide" style="width:900px"><span style="display:block" class="inner">x</span></div></body>',
    );
    expect(found.join('\n')).toMatch(/div\.wide.*ends 260 px past the window/);
  });

  it('reports a select whose chosen option is cut, and passes one wide enough (a select clips its own text)', async () => {
    const select = (width: string, chosen: string, cardStyle = '') =>
      card(
        `<label style="display:grid;grid-template-columns:minmax(0,1fr);width:${width}">Device <select class="device"><option>CPU</option><option ${chosen}>Best available: CPU (no GPU provider here)</option></select></label>`,
        cardStyle,
      );
    const found = await check(select('10rem', 'selected'));
    expect(found.join('\n')).toMatch(
      /select\.device: its option "Best available: CPU \(no GPU provider here\)" needs \d+ px, cut to 160 px/,
    );
    await expect(check(select('400px', 'selected', 'width:420px'))).resolves.toEqual([]);
    // The option shown is what counts: a long one further down the list is not on screen.
    await expect(check(select('10rem', ''))).resolves.toEqual([]);
  });

  it('accepts overflow that scrolls or clips on purpose, and screen-reader-only text', async () => {
    await expect(check(card('<div style="width:900px">a wide table</div>', 'overflow-x:auto'))).resolves.toEqual([]);
    await expect(
      check(card(`<p style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap">${'long '.repeat(80)}</p>`)),
    ).resolves.toEqual([]);
    const srOnly = 'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap';
    await expect(check(card(`<span style="${srOnly}">${'hidden '.repeat(40)}</span><p>ok</p>`))).resolves.toEqual([]);
    await expect(check(card(`<figcaption style="${srOnly}"><ul><li>${'hidden '.repeat(40)}</li></ul></figcaption>`))).resolves.toEqual([]);
  });
});
