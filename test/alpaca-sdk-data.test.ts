// The calls of the official JS SDK's examples beyond trading, against the Alpaca face: the latest
// quote and trade (getLatestPrice's call) from the quote board, shaped as Alpaca's; what the venue
// has no data for (bars, options, wallets, news…) is a 422 naming it, never a 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { marketData } from '@alpacahq/alpaca-trade-api';
import { KEY_ID, SECRET } from './helpers/alpaca-exchange.js';
import { scriptedExchange } from './helpers/scripted-exchange.js';

let ex: Awaited<ReturnType<typeof scriptedExchange>>;
let stocks: marketData.StockApi;

before(async () => {
  ex = await scriptedExchange([{ ticker: 'AAPL', bid: 99.9, ask: 100.1 }]);
  stocks = new marketData.StockApi(
    new marketData.Configuration({ keyId: KEY_ID, secret: SECRET, basePath: ex.server.restUrl, timeoutMs: 0 }),
  );
});
after(async () => {
  await ex.close();
});

const get = (path: string) =>
  fetch(`${ex.server.restUrl}${path}`, { headers: { 'APCA-API-KEY-ID': KEY_ID, 'APCA-API-SECRET-KEY': SECRET } });

test("the SDK's latest quote and trade come from the board, in Alpaca's shape", async () => {
  ex.quote({ ticker: 'AAPL', bid: 101.25, ask: 101.35 });
  const q = await stocks.stockLatestQuoteSingle({ symbol: 'AAPL' });
  assert.deepEqual([q.symbol, q.quote?.bp, q.quote?.ap], ['AAPL', 101.25, 101.35]);
  const t = await stocks.stockLatestTradeSingle({ symbol: 'AAPL' });
  assert.equal(t.symbol, 'AAPL');
  assert.ok(t.trade && Number.isFinite(t.trade.p), JSON.stringify(t));
  const many = (await (await get('/v2/stocks/quotes/latest?symbols=AAPL,NOPE')).json()) as {
    quotes: Record<string, { bp: number }>;
  };
  assert.deepEqual(Object.keys(many.quotes), ['AAPL'], 'a symbol the venue does not trade is left out, as Alpaca does');
  const missing = await get('/v2/stocks/NOPE/quotes/latest');
  assert.equal(missing.status, 404);
});

test('what the venue has no data for is a 422 with the reason, not a 404', async () => {
  await assert.rejects(
    stocks.stockBarSingle({ symbol: 'AAPL', timeframe: '1Min' }),
    (e: Error & { status?: number }) => {
      assert.equal(e.status, 422, e.message);
      assert.match(e.message, /not offered by salvo's paper venue: it has no historical or auction data/);
      return true;
    },
  );
  for (const [path, what] of [
    ['/v2/options/contracts', 'options'],
    ['/v2/wallets', 'crypto wallets'],
    ['/v1beta1/news', 'news'],
    ['/v2/corporate_actions/announcements', 'corporate actions'],
  ]) {
    const res = await get(path);
    assert.equal(res.status, 422, path);
    assert.match(((await res.json()) as { message: string }).message, new RegExp(`it has no ${what}`), path);
  }
  assert.equal((await get('/v2/no-such-endpoint')).status, 404, 'a path Alpaca does not have stays a 404');
});
