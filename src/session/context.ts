// The ctx a strategy receives. It reads the quote board and the portfolio directly (same thread),
// so getCurrentData() costs no message round trip.
import type { CurrentData, OpenOrder, OrderInstruction, StrategyContext, StrategyResult } from '../types.js';
import type { QuoteBoard } from '../market/quote-board.js';
import { markOf } from '../market/mark.js';
import type { Portfolio } from '../portfolio/portfolio.js';
import { UnreadableOrder } from '../execution/validate.js';
import { describeError } from '../util/errors.js';

/** more legs than this in one block is a strategy bug (or a hostile `length`), never a trade */
export const MAX_LEGS_PER_CALL = 100_000;

/** `orders`: the session's open orders, read only when the strategy looks at them */
export function currentData(
  board: QuoteBoard,
  portfolio: Portfolio,
  orders: () => OpenOrder[] = () => [],
): CurrentData {
  let open: OpenOrder[] | undefined;
  return {
    quotes: board.view(),
    positions: portfolio.positions((t) => markOf(board, t)),
    get orders() {
      return (open ??= orders());
    },
  };
}

export function makeContext(args: {
  board: QuoteBoard;
  portfolio: Portfolio;
  tick: number;
  /** what the strategy passed to ctx.submitOrder: one order or a list */
  submit: (orders: unknown) => void;
  log: (message: string) => void;
  openOrders?: () => OpenOrder[];
}): StrategyContext {
  return {
    getCurrentData: () => currentData(args.board, args.portfolio, args.openOrders),
    submitOrder: (orders: OrderInstruction | OrderInstruction[]) => args.submit(orders),
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
  // a strategy can return anything, including a Proxy whose traps throw: nothing read here may escape
  try {
    if (result === undefined || result === null) return { orders: [] };
    if (Array.isArray(result)) return readLegs(result);
    if (typeof result === 'object' && ['ticker', 'cancel', 'replace', 'cancelAll'].some((k) => k in (result as object)))
      return { orders: [readLeg(result)] };
    return {
      orders: [],
      error: `strategy returned ${safeJson(result)}; expected a list of orders, one order, or nothing`,
    };
  } catch (error) {
    return {
      orders: [],
      error: `strategy returned something that cannot be read (${describeError(error)}); nothing was sent`,
    };
  }
}

function readLegs(list: readonly unknown[]): { orders: unknown[]; error?: string } {
  const n = list.length;
  if (!(n <= MAX_LEGS_PER_CALL))
    return {
      orders: [],
      error: `strategy returned ${n} orders at once; at most ${MAX_LEGS_PER_CALL} are taken in one call, so nothing was sent`,
    };
  const orders: unknown[] = [];
  for (let i = 0; i < n; i++) {
    try {
      orders.push(readLeg(list[i]));
    } catch (error) {
      orders.push(new UnreadableOrder(describeError(error)));
    }
  }
  return { orders };
}

/**
 * A plain copy of one order as the strategy returned it, read once: a getter runs here and only
 * here, so a throwing one makes that leg unreadable (one rejected row) instead of crashing the
 * session, and a value that changes between reads cannot differ between the check and the send.
 */
function readLeg(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  try {
    if (Array.isArray(raw)) return raw;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) copy[key] = (raw as Record<string, unknown>)[key];
    return copy;
  } catch (error) {
    return new UnreadableOrder(describeError(error));
  }
}

function safeJson(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = describeError(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
