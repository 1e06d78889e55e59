// `salvo review --html`: the report opened in headless Chromium (Debian's chromium, driven by
// playwright-core), offline, every chart checked for plotted marks. The screenshot goes to a temp
// folder; SALVO_UPDATE_SCREENSHOT=1 writes docs/review-report.png instead (the README shows it).
// Without Chromium the test fails naming the install command (npm test provisions it as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runTrading, type OrderRequest, type StrategyContext } from '../src/index.js';
import { ROOT, salvo, tmpDir } from './helpers/cli.js';
import { simLogRun } from './helpers/review-session.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

test('the HTML report renders every chart, offline', async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`${INSTALL}\` (npm test does, as root)`);
  const dir = tmpDir('review-html');
  const tickers = ['AAPL', 'MSFT', 'NVDA'];
  let held = 0;
  const strategy = (ctx: StrategyContext): OrderRequest[] => {
    // buy two ticks, sell on the third: realized P&L moves, exposure rises and falls
    const side = ctx.tick % 3 === 0 && held > 0 ? 'sell' : 'buy';
    held += side === 'buy' ? 1 : -1;
    return tickers.map((ticker) => ({
      ticker,
      quantity: 2,
      side,
      orderType: 'market',
      ...(side === 'sell' ? { action: 'sell_long' as const } : {}),
    }));
  };
  const report = await runTrading({
    strategy,
    tickers,
    frequency: '100ms',
    runSeconds: 1.5,
    eosBehavior: 'liquidate',
    ...simLogRun(dir, 'html', { volatility: 8, seed: 3 }),
  });
  const html = path.join(dir, 'report.html');
  const r = await salvo(['review', report.tradeLogFile, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /HTML report: .*report\.html/);
  const page = fs.readFileSync(html, 'utf8');
  assert.doesNotMatch(
    page,
    /<script(?! type="application\/json")|<link |https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
    'no script, stylesheet or URL from outside the file',
  );

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1560, height: 1000 } });
    const outside: string[] = [];
    tab.on('request', (req) => {
      if (!req.url().startsWith('file:')) outside.push(req.url());
    });
    await tab.goto(`file://${html}`);
    for (const id of ['pnl', 'exposure', 'latency', 'fills']) {
      const chart = tab.locator(`#chart-${id} svg`);
      assert.equal(await chart.count(), 1, `chart ${id} has an svg`);
      const marks = await tab.$$eval(`#chart-${id} svg .plot`, (els) =>
        els.map((e) => {
          const box = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return { tag: e.tagName, w: box.width, h: box.height, d: e.getAttribute('d')?.length ?? 0 };
        }),
      );
      assert.ok(marks.length > 0, `chart ${id} plotted something`);
      assert.ok(
        marks.some((m) => m.w > 0 && (m.h > 0 || m.tag === 'path')),
        `chart ${id}: marks have a size ${JSON.stringify(marks.slice(0, 3))}`,
      );
      if (id === 'pnl' || id === 'exposure')
        assert.ok(marks.find((m) => m.tag === 'path')!.d > 20, `chart ${id} draws a line`);
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, `chart ${id} is on the page`);
    }
    assert.deepEqual(outside, [], 'the report asks nothing from the network');
    const shot =
      process.env.SALVO_UPDATE_SCREENSHOT === '1'
        ? path.join(ROOT, 'docs/review-report.png')
        : path.join(dir, 'review-report.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await tab.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
  } finally {
    await browser.close();
  }
});
