// /v2/account, /v2/positions, /v2/clock and /v2/calendar rendered from the paper venue.
import type { BrokerPosition } from '../../brokers/broker.js';
import type { QuoteBoard } from '../../market/quote-board.js';
import type { PaperVenue } from '../venue.js';
import { invalid } from './http.js';
import { assetId, decimal } from './ledger.js';

const ACCOUNT_ID = '5a1f5e1e-0000-4000-8000-5a1f0a1ca5a0';
const money = (n: number): string => n.toFixed(2);

function mark(board: QuoteBoard, p: BrokerPosition): number {
  if (!board.has(p.ticker)) return p.avgEntryPrice;
  const mid = board.mid(board.slotOf(p.ticker));
  return mid > 0 ? mid : p.avgEntryPrice;
}

export function positionJson(board: QuoteBoard, p: BrokerPosition): Record<string, unknown> {
  const price = mark(board, p);
  const value = p.quantity * price;
  const cost = p.quantity * p.avgEntryPrice;
  const pl = value - cost;
  const plpc = cost !== 0 ? pl / Math.abs(cost) : 0;
  return {
    asset_id: assetId(p.ticker),
    symbol: p.ticker,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    qty: decimal(p.quantity),
    qty_available: decimal(p.quantity),
    avg_entry_price: decimal(p.avgEntryPrice),
    side: p.quantity < 0 ? 'short' : 'long',
    market_value: money(value),
    cost_basis: money(cost),
    unrealized_pl: money(pl),
    unrealized_plpc: plpc.toFixed(6),
    unrealized_intraday_pl: money(pl),
    unrealized_intraday_plpc: plpc.toFixed(6),
    current_price: decimal(price),
    lastday_price: decimal(price),
    change_today: '0',
  };
}

export function accountJson(venue: PaperVenue, board: QuoteBoard): Record<string, unknown> {
  const a = venue.account();
  let long = 0;
  let short = 0;
  for (const p of venue.positions()) {
    const value = p.quantity * mark(board, p);
    if (value >= 0) long += value;
    else short += value;
  }
  return {
    id: ACCOUNT_ID,
    account_number: 'PA0SALVO0001',
    status: 'ACTIVE',
    crypto_status: 'INACTIVE',
    currency: a.currency,
    cash: money(a.cash),
    portfolio_value: money(a.equity),
    equity: money(a.equity),
    last_equity: money(a.equity),
    buying_power: money(a.buyingPower),
    regt_buying_power: money(a.buyingPower),
    daytrading_buying_power: money(a.buyingPower),
    non_marginable_buying_power: money(a.buyingPower),
    effective_buying_power: money(a.buyingPower),
    long_market_value: money(long),
    short_market_value: money(short),
    initial_margin: '0',
    maintenance_margin: '0',
    last_maintenance_margin: '0',
    sma: '0',
    multiplier: '1',
    daytrade_count: 0,
    pattern_day_trader: false,
    shorting_enabled: true,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    trade_suspended_by_user: false,
    created_at: '2024-01-02T00:00:00Z',
    accrued_fees: '0',
    pending_transfer_in: '0',
  };
}

export function clockJson(venue: PaperVenue): Record<string, unknown> {
  const c = venue.clock();
  return {
    timestamp: c.now.toISOString(),
    is_open: c.isOpen,
    next_open: c.nextOpen.toISOString(),
    next_close: c.nextClose.toISOString(),
  };
}

const DAY_MS = 86_400_000;

/** local date and HH:MM of an instant in `timeZone` */
function local(ms: number, timeZone: string): { date: string; time: string } {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/**
 * The paper market trades every day from local midnight to its close, so each calendar day has the
 * same hours; the close is read off the venue's clock in `timeZone` (the venue's own zone).
 */
export function calendarJson(venue: PaperVenue, q: URLSearchParams, timeZone: string): Record<string, unknown>[] {
  const today = Date.now();
  const parse = (v: string | null, fallback: number) => {
    if (!v) return fallback;
    // a date, or a timestamp whose date part is meant (Alpaca's calendar is by trading date)
    const day = /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0];
    const ms = Date.parse(day ? `${day}T12:00:00Z` : v);
    if (!Number.isFinite(ms)) throw invalid(`invalid date: ${v}`);
    return ms;
  };
  const start = parse(q.get('start'), today);
  const end = parse(q.get('end'), today + 30 * DAY_MS);
  if (end < start) return [];
  if ((end - start) / DAY_MS > 3660) throw invalid('calendar range is limited to ten years');
  const close = local(venue.clock().nextClose.getTime(), timeZone).time;
  const out: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (let ms = start; ms <= end + DAY_MS / 2; ms += DAY_MS) {
    const date = local(ms, timeZone).date;
    if (seen.has(date) || date > local(end, timeZone).date) continue;
    seen.add(date);
    const next = local(Date.parse(`${date}T12:00:00Z`) + DAY_MS, 'UTC').date;
    out.push({
      date,
      open: '00:00',
      close,
      session_open: '0000',
      session_close: close.replace(':', ''),
      settlement_date: next,
    });
  }
  return out;
}
