// The ctx a strategy receives. It reads the quote board and the portfolio directly (same thread),
// so getCurrentData() costs no message round trip.
import type { CurrentData, OpenOrder, OrderInstruction, StrategyContext, StrategyResult } from '../types.js';
import type { QuoteBoard } from '../market/quote-board.js';
import type { Portfolio } from '../portfolio/portfolio.js';

/** `orders`: the session's open orders, read only when the strategy looks at them */
export function currentData(board: QuoteBoard, portfolio: Portfolio, orders: () => OpenOrder[] = () => []): CurrentData {
  let open: OpenOrder[] | undefined;
  return {
    quotes: board.view(),
    positions: portfolio.positions((t) => markOf(board, t)),
    get orders() { return (open ??= orders()); },
  };
}

/** mid of the latest quote, or last trade; undefined before the first quote */
export function markOf(board: QuoteBoard, ticker: string): number | undefined {
  if (!board.has(ticker)) return undefined;
  const slot = board.slotOf(ticker);
  if (board.updates(slot) === 0) return undefined;
  return board.mid(slot);
}

export function makeContext(args: {
  board: QuoteBoard;
  portfolio: Portfolio;
  tick: number;
  submit: (orders: readonly unknown[]) => void;
  log: (message: string) => void;
  openOrders?: () => OpenOrder[];
}): StrategyContext {
  return {
    getCurrentData: () => currentData(args.board, args.portfolio, args.openOrders),
    submitOrder: (orders: OrderInstruction | OrderInstruction[]) => args.submit(Array.isArray(orders) ? orders : [orders]),
    now: new Date(),
    tick: args.tick,
    log: (...parts: unknown[]) => args.log(parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' ')),
  };
}

/**
 * What a strategy returned, as a list of requests; `error` when it is not an order list,
 * one order, or nothing.
 */
export function ordersFrom(result: StrategyResult | unknown): { orders: unknown[]; error?: string } {
  if (result === undefined || result === null) return { orders: [] };
  if (Array.isArray(result)) return { orders: result };
  if (typeof result === 'object' && ['ticker', 'cancel', 'replace', 'cancelAll'].some((k) => k in (result as object))) return { orders: [result] };
  return { orders: [], error: `strategy returned ${safeJson(result)}; expected a list of orders, one order, or nothing` };
}

function safeJson(v: unknown): string {
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}
