// Order requests from a strategy are checked here; a bad one never reaches a broker.
import { z } from 'zod';
import type { Action, OrderRequest, Side } from '../types.js';
import { describeIssue, type IssueWording } from '../util/issues.js';
import { describeError } from '../util/errors.js';
import { priceTermsProblem, SALVO_NAMES } from '../orders/terms.js';
import { exitLegs } from '../orders/groups.js';

const ACTIONS = ['buy_long', 'buy_to_cover', 'cover_short', 'sell_long', 'liquidate', 'short_sell'] as const;
const ACTION_SIDE: Record<Action, Side> = {
  buy_long: 'buy',
  buy_to_cover: 'buy',
  cover_short: 'buy',
  sell_long: 'sell',
  liquidate: 'sell',
  short_sell: 'sell',
};
/** which open position an action closes, if it closes one */
const CLOSES: Partial<Record<Action, 'long' | 'short'>> = {
  sell_long: 'long',
  liquidate: 'long',
  buy_to_cover: 'short',
  cover_short: 'short',
};

const requestSchema = z.strictObject({
  ticker: z.string(),
  // numbers are checked by hand below, so NaN and Infinity get the same clear message as -1
  quantity: z.unknown(),
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  limitPrice: z.unknown().optional(),
  stopPrice: z.unknown().optional(),
  trailPercent: z.unknown().optional(),
  trailPrice: z.unknown().optional(),
  action: z.enum(ACTIONS).optional(),
  timeInForce: z.enum(['day', 'gtc', 'ioc', 'fok']).optional(),
  orderClass: z.enum(['bracket', 'oto']).optional(),
  takeProfit: z.unknown().optional(),
  stopLoss: z.unknown().optional(),
});
const FIELDS = Object.keys(requestSchema.shape);
/** fields a trader may expect from Alpaca that salvo does not honour yet: refused by name, never dropped */
const NOT_YET: Record<string, string> = {
  notional: 'notional orders are not supported yet: give a quantity',
};
/** an order's problems read like an option's, with its fields called fields and strings in single quotes */
const ORDER_WORDING: IssueWording = { noun: 'field', refused: NOT_YET, show: (v) => describe(v) };

export interface PositionView {
  hasTicker(ticker: string): boolean;
  /** signed position quantity */
  position(ticker: string): number;
  /** quantity that open orders are already closing on that side */
  closingInFlight(ticker: string, closes: 'long' | 'short'): number;
  /** the ticker's current bid and ask (0 where there is none), for stops on the wrong side of the market */
  touch(ticker: string): { bid: number; ask: number };
}

export type CheckedRequest = Required<
  Pick<OrderRequest, 'ticker' | 'quantity' | 'side' | 'orderType' | 'action' | 'timeInForce'>
> &
  Pick<
    OrderRequest,
    'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice' | 'orderClass'
  > /** a bracket / OTO entry's exits: they close what the entry opens, so no position check applies to them */ & {
    legs?: CheckedRequest[];
  };

export type Verdict =
  | { ok: true; order: CheckedRequest }
  /** `partial` carries what could be read, for the rejection row in the trade log */
  | { ok: false; reason: string; partial: { ticker: string; quantity: number; side: string; action: string } };

/** a leg whose fields could not be read (a getter or Proxy trap threw); rejected with the reason */
export class UnreadableOrder {
  constructor(readonly why: string) {}
}

const UNREAD = { ticker: '', quantity: 0, side: '', action: '' };

export function checkOrder(raw: unknown, view: PositionView): Verdict {
  if (raw instanceof UnreadableOrder)
    return { ok: false, reason: `the order could not be read: ${raw.why}`, partial: UNREAD };
  try {
    return checkReadable(raw, view);
  } catch (error) {
    // a field that is itself a hostile object (a Proxy limitPrice) can still throw inside the checks
    return { ok: false, reason: `the order could not be checked: ${describeError(error)}`, partial: UNREAD };
  }
}

function checkReadable(raw: unknown, view: PositionView): Verdict {
  const problems: string[] = [];
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const partial = {
    ticker: typeof r.ticker === 'string' ? r.ticker : '',
    quantity: typeof r.quantity === 'number' ? r.quantity : 0,
    side: typeof r.side === 'string' ? r.side : '',
    action: typeof r.action === 'string' ? r.action : '',
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      reason: `an order must be an object like { ticker, quantity, side, orderType }; got ${describe(raw)}`,
      partial,
    };
  }
  const parsed = requestSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(describeIssue(issue, '', FIELDS, ORDER_WORDING));
    return { ok: false, reason: problems.join('; '), partial };
  }
  const o = parsed.data;
  if (!view.hasTicker(o.ticker)) problems.push(`unknown ticker '${o.ticker}': not one of this session's tickers`);
  if (o.quantity === undefined) problems.push('quantity is required');
  else if (!isPositive(o.quantity))
    problems.push(`quantity must be a positive finite number; got ${describe(o.quantity)}`);
  const terms = { ...o, timeInForce: o.timeInForce ?? 'day' } as Parameters<typeof priceTermsProblem>[0];
  const termsProblem = priceTermsProblem(
    terms,
    view.hasTicker(o.ticker) ? view.touch(o.ticker) : { bid: 0, ask: 0 },
    SALVO_NAMES,
  );
  if (termsProblem) problems.push(termsProblem[1]);
  const action: Action = o.action ?? (o.side === 'buy' ? 'buy_long' : 'sell_long');
  if (ACTION_SIDE[action] !== o.side)
    problems.push(`action '${action}' goes with side '${ACTION_SIDE[action]}', not '${o.side}'`);
  const closes = CLOSES[action];
  if (problems.length) return { ok: false, reason: problems.join('; '), partial: { ...partial, action } };
  const quantity = o.quantity as number;
  if (closes) {
    const held = view.position(o.ticker);
    const open = closes === 'long' ? Math.max(0, held) : Math.max(0, -held);
    const closable = open - view.closingInFlight(o.ticker, closes);
    if (quantity > closable + 1e-9) {
      const hint = action === 'sell_long' && open === 0 && !o.action ? "; to open a short use action 'short_sell'" : '';
      problems.push(
        `${action} closes a ${closes} position: ${o.ticker} ${closes} is ${open}, ${open - closable} already being closed by open orders; cannot close ${quantity}${hint}`,
      );
    }
  }
  let legs: CheckedRequest[] | undefined;
  if (o.orderClass) {
    const touch = view.touch(o.ticker);
    const exits = exitLegs(
      {
        ticker: o.ticker,
        quantity,
        side: o.side,
        orderType: o.orderType,
        limitPrice: o.limitPrice as number | undefined,
        timeInForce: o.timeInForce ?? 'day',
        action,
      },
      o.orderClass,
      o.takeProfit,
      o.stopLoss,
      touch,
    );
    if ('problem' in exits) problems.push(exits.problem);
    else {
      legs = exits.legs as CheckedRequest[];
      for (const leg of legs) {
        const p = priceTermsProblem(leg, touch, SALVO_NAMES);
        if (p) problems.push(`${o.orderClass} exit: ${p[1]}`);
      }
    }
  } else if (o.takeProfit !== undefined || o.stopLoss !== undefined)
    problems.push("takeProfit and stopLoss need orderClass 'bracket' or 'oto'");
  if (problems.length) return { ok: false, reason: problems.join('; '), partial: { ...partial, action } };
  const prices = {
    limitPrice: o.limitPrice,
    stopPrice: o.stopPrice,
    trailPercent: o.trailPercent,
    trailPrice: o.trailPrice,
  } as Pick<CheckedRequest, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice'>;
  for (const key of ['stopPrice', 'trailPercent', 'trailPrice'] as const)
    if (prices[key] === undefined) delete prices[key];
  const group = o.orderClass ? { orderClass: o.orderClass, legs } : {};
  return {
    ok: true,
    order: {
      ticker: o.ticker,
      quantity,
      side: o.side,
      orderType: o.orderType,
      ...prices,
      action,
      timeInForce: o.timeInForce ?? 'day',
      ...group,
    },
  };
}

/** which position side an order's action closes, if any */
export const closesSide = (action: Action): 'long' | 'short' | undefined => CLOSES[action];

const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
