// The rest of Alpaca's account surface a client calls besides orders and positions: assets, account
// activities (fills), portfolio history, account configurations and watchlists, rendered from the
// paper venue. What the venue does not have is refused or empty, never made up: the history holds
// the equity after each fill since the server started, the only activity type is FILL, and the
// configurations are fixed (a PATCH that would change one is refused).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { QuoteBoard } from '../../market/quote-board.js';
import type { TradeUpdate } from '../../brokers/broker.js';
import type { PaperVenue } from '../venue.js';
import { ApiError, invalid, notFound, readJson } from './http.js';
import { assetId, decimal } from './ledger.js';
import { time } from './orders-api.js';

const ACCOUNT_ID = '5a1f5e1e-0000-4000-8000-5a1f0a1ca5a0';
interface Fill {
  at: number;
  update: TradeUpdate;
  fill: NonNullable<TradeUpdate['fill']>;
}
interface Watchlist {
  id: string;
  name: string;
  symbols: string[];
  createdAt: number;
  updatedAt: number;
}

export type Answer = { status: number; body?: unknown };

export class AccountExtras {
  private readonly fills: Fill[] = [];
  /** [epoch ms, equity] at the start and after every fill */
  private readonly equity: Array<[number, number]>;
  private readonly watchlists = new Map<string, Watchlist>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly venue: PaperVenue,
    private readonly board: QuoteBoard,
  ) {
    this.equity = [[Date.now(), venue.account().equity]];
    this.unsubscribe = venue.onUpdate((update) => {
      if (!update.fill) return;
      this.fills.push({ at: update.timestamp, update, fill: update.fill });
      this.equity.push([update.timestamp, venue.account().equity]);
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** the answer for one of these endpoints, or undefined when the path is none of them */
  async route(req: IncomingMessage, method: string, url: URL): Promise<Answer | undefined> {
    const path = url.pathname;
    if (method === 'GET' && path === '/v2/assets') return { status: 200, body: this.assets(url.searchParams) };
    if (method === 'GET' && path.startsWith('/v2/assets/'))
      return { status: 200, body: this.asset(decodeURIComponent(path.slice('/v2/assets/'.length))) };
    if (method === 'GET' && (path === '/v2/account/activities' || path.startsWith('/v2/account/activities/'))) {
      return {
        status: 200,
        body: this.activities(url.searchParams, path.slice('/v2/account/activities/'.length) || undefined),
      };
    }
    if (method === 'GET' && path === '/v2/account/portfolio/history')
      return { status: 200, body: this.history(url.searchParams) };
    if (path === '/v2/account/configurations') {
      if (method === 'GET') return { status: 200, body: this.configurations() };
      if (method === 'PATCH') return { status: 200, body: this.patchConfigurations(await readJson(req)) };
    }
    if (path === '/v2/watchlists' || path.startsWith('/v2/watchlists/'))
      return this.watchlist(req, method, path.slice('/v2/watchlists'.length).split('/').filter(Boolean));
    return undefined;
  }

  private assetJson(symbol: string): Record<string, unknown> {
    const shortable = this.venue.config.allowShort;
    return {
      id: assetId(symbol),
      class: 'us_equity',
      exchange: 'NASDAQ',
      symbol,
      name: `${symbol} (salvo paper venue)`,
      status: 'active',
      tradable: true,
      marginable: true,
      shortable,
      easy_to_borrow: shortable,
      fractionable: true,
      maintenance_margin_requirement: 30,
      margin_requirement_long: '30',
      margin_requirement_short: '100',
      attributes: [],
    };
  }

  private assets(q: URLSearchParams): Record<string, unknown>[] {
    const status = q.get('status');
    const cls = q.get('asset_class');
    if ((status && status !== 'active') || (cls && cls !== 'us_equity')) return [];
    return this.board.tickers.map((t) => this.assetJson(t));
  }

  /** by symbol or by asset id, as Alpaca takes either */
  private asset(key: string): Record<string, unknown> {
    const symbol = this.board.tickers.find((t) => t === key || assetId(t) === key);
    if (!symbol) throw notFound(`asset not found for ${key}`);
    return this.assetJson(symbol);
  }

  private activities(q: URLSearchParams, type?: string): Record<string, unknown>[] {
    const types = type ?? q.get('activity_types') ?? undefined;
    if (types && !types.split(',').includes('FILL')) return [];
    const after =
      time(q.get('after'), 'after') ?? (q.get('date') ? Date.parse(`${q.get('date')}T00:00:00Z`) : undefined);
    const until =
      time(q.get('until'), 'until') ??
      (q.get('date') ? Date.parse(`${q.get('date')}T00:00:00Z`) + 86_400_000 : undefined);
    const size = q.get('page_size') === null ? 100 : Number(q.get('page_size'));
    if (!Number.isInteger(size) || size < 1 || size > 100) throw invalid('page_size must be between 1 and 100');
    const picked = this.fills.filter(
      (f) => (after === undefined || f.at > after) && (until === undefined || f.at < until),
    );
    if ((q.get('direction') ?? 'desc') === 'desc') picked.reverse();
    return picked.slice(0, size).map(({ at, fill, update: { event, order: o } }) => ({
      id: `${new Date(at).toISOString().replace(/\D/g, '').slice(0, 17)}::${assetId(`${o.brokerOrderId}:${o.filledQty}`)}`,
      activity_type: 'FILL',
      transaction_time: new Date(at).toISOString(),
      type: event,
      price: decimal(fill.price),
      qty: decimal(fill.qty),
      side: o.side,
      symbol: o.ticker,
      leaves_qty: decimal(o.quantity - o.filledQty),
      order_id: o.brokerOrderId,
      cum_qty: decimal(o.filledQty),
      order_status: o.status,
    }));
  }

  private history(q: URLSearchParams): Record<string, unknown> {
    const base = this.equity[0][1];
    const points = [...this.equity, [Date.now(), this.venue.account().equity] as [number, number]];
    return {
      timestamp: points.map(([t]) => Math.floor(t / 1000)),
      equity: points.map(([, e]) => round2(e)),
      profit_loss: points.map(([, e]) => round2(e - base)),
      profit_loss_pct: points.map(([, e]) => (e - base) / base),
      base_value: round2(base),
      base_value_asof: new Date(this.equity[0][0]).toISOString().slice(0, 10),
      timeframe: q.get('timeframe') ?? '1Min',
    };
  }

  private configurations(): Record<string, unknown> {
    return {
      dtbp_check: 'entry',
      trade_confirm_email: 'none',
      suspend_trade: false,
      no_shorting: !this.venue.config.allowShort,
      fractional_trading: true,
      max_margin_multiplier: '1',
      pdt_check: 'entry',
      ptp_no_exception_entry: false,
    };
  }

  /** the paper venue's configuration is its start-up config: a PATCH may only restate it */
  private patchConfigurations(body: Record<string, unknown>): Record<string, unknown> {
    const current = this.configurations();
    for (const [key, value] of Object.entries(body)) {
      if (!(key in current)) throw invalid(`unknown account configuration '${key}'`);
      if (String(value) !== String(current[key]))
        throw invalid(
          `account configuration '${key}' is fixed on the paper venue (it is ${JSON.stringify(current[key])}); set it in the venue's config`,
        );
    }
    return current;
  }

  private watchlistJson(w: Watchlist): Record<string, unknown> {
    return {
      id: w.id,
      account_id: ACCOUNT_ID,
      name: w.name,
      created_at: new Date(w.createdAt).toISOString(),
      updated_at: new Date(w.updatedAt).toISOString(),
      assets: w.symbols.map((s) => this.assetJson(s)),
    };
  }

  private async watchlist(req: IncomingMessage, method: string, parts: string[]): Promise<Answer> {
    if (parts.length === 0 && method === 'GET')
      return {
        status: 200,
        body: [...this.watchlists.values()].map((w) => ({ ...this.watchlistJson(w), assets: undefined })),
      };
    if (parts.length === 0 && method === 'POST') {
      const { name, symbols } = await readJson(req);
      if (typeof name !== 'string' || !name.trim() || name.length > 64)
        throw invalid('name is required (at most 64 characters)');
      if ([...this.watchlists.values()].some((w) => w.name === name))
        throw invalid(`a watchlist named '${name}' already exists`);
      const w: Watchlist = { id: randomUUID(), name, symbols: [], createdAt: Date.now(), updatedAt: Date.now() };
      w.symbols = this.symbols(symbols ?? []);
      this.watchlists.set(w.id, w);
      return { status: 200, body: this.watchlistJson(w) };
    }
    const w = this.watchlists.get(parts[0]);
    if (!w) throw notFound('watchlist not found');
    if (parts.length === 1 && method === 'GET') return { status: 200, body: this.watchlistJson(w) };
    if (parts.length === 1 && method === 'DELETE') {
      this.watchlists.delete(w.id);
      return { status: 204 };
    }
    if (parts.length === 1 && method === 'POST') {
      const { symbol } = await readJson(req);
      w.symbols = [...new Set([...w.symbols, ...this.symbols([symbol])])];
      w.updatedAt = Date.now();
      return { status: 200, body: this.watchlistJson(w) };
    }
    if (parts.length === 2 && method === 'DELETE') {
      w.symbols = w.symbols.filter((s) => s !== decodeURIComponent(parts[1]));
      w.updatedAt = Date.now();
      return { status: 200, body: this.watchlistJson(w) };
    }
    throw new ApiError(405, 40510000, `${method} is not supported on this watchlist path`);
  }

  private symbols(list: unknown): string[] {
    if (!Array.isArray(list)) throw invalid('symbols must be a list of symbols');
    return list.map((s) => {
      if (typeof s !== 'string' || !this.board.tickers.includes(s))
        throw invalid(`unknown symbol ${JSON.stringify(s)}: not traded on this paper venue`);
      return s;
    });
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
