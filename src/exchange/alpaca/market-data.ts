// What an Alpaca client asks of the market-data REST API and of the Trading API beyond what the
// paper venue trades. The latest quote and trade of a symbol come from the quote board, shaped as
// Alpaca's (an SDK's getLatestPrice works against the face); everything else Alpaca serves that the
// venue has no data for (bars, news, options, crypto, wallets…) is a 422 naming it, never a 404 a
// client would read as a wrong URL, and never made-up data.
import type { BoardQuote, QuoteBoard } from '../../market/quote-board.js';
import type { Answer } from './account-extras.js';
import { ApiError, decodePathPart, invalid, notFound } from './http.js';

/** Alpaca's paths the venue cannot serve, with what is missing */
const NOT_OFFERED: Array<[RegExp, string]> = [
  [
    /^\/v2\/stocks\//,
    'historical or auction data (bars, trades, quotes over time, snapshots): it keeps only the current quote',
  ],
  [/^\/v2\/options\//, 'options'],
  [/^\/v2\/positions\/[^/]+\/(exercise|do-not-exercise)$/, 'options'],
  [/^\/(v2\/corporate_actions|v1\/corporate-actions)(\/|$)/, 'corporate actions'],
  [/^\/v1\/locates(\/|$)/, 'short-sale locates'],
  [/^\/v2\/tokenization\//, 'tokenization'],
  [/^\/v2\/wallets(\/|$)/, 'crypto wallets'],
  [/^\/v1beta\d\//, 'news, logos, screeners, options, crypto, forex, indices or fixed-income data'],
];

/** the latest quote or trade of one or more symbols, or a 422 for Alpaca data the venue has not */
export function marketData(board: QuoteBoard, method: string, url: URL): Answer | undefined {
  const path = url.pathname;
  if (method === 'GET') {
    const single = /^\/v2\/stocks\/([^/]+)\/(quotes|trades)\/latest$/.exec(path);
    if (single) {
      const symbol = decodePathPart(single[1]);
      return {
        status: 200,
        body: { symbol, [single[2] === 'quotes' ? 'quote' : 'trade']: latest(board, symbol, single[2]) },
      };
    }
    const many = /^\/v2\/stocks\/(quotes|trades)\/latest$/.exec(path);
    if (many) {
      const symbols = (url.searchParams.get('symbols') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!symbols.length) throw invalid('symbols is required');
      const found = symbols.filter((s) => board.has(s) && board.read(board.slotOf(s)).updates > 0);
      return { status: 200, body: { [many[1]]: Object.fromEntries(found.map((s) => [s, latest(board, s, many[1])])) } };
    }
  }
  const missing = NOT_OFFERED.find(([pattern]) => pattern.test(path));
  if (missing)
    throw new ApiError(
      422,
      42210000,
      `${method} ${path} is not offered by salvo's paper venue: it has no ${missing[1]}`,
    );
  return undefined;
}

function latest(board: QuoteBoard, symbol: string, kind: string): Record<string, unknown> {
  const q: BoardQuote | undefined = board.has(symbol) ? board.read(board.slotOf(symbol)) : undefined;
  if (!q || q.updates === 0) throw notFound(`no ${kind === 'quotes' ? 'quote' : 'trade'} found for ${symbol}`);
  const t = new Date(q.timestamp).toISOString();
  if (kind === 'quotes')
    return { t, ax: 'V', ap: q.ask, as: q.askSize, bx: 'V', bp: q.bid, bs: q.bidSize, c: ['R'], z: 'C' };
  return { t, x: 'V', p: q.last, s: q.lastSize, c: ['@'], i: 0, z: 'C' };
}
