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
  quantity: z.unknown().optional(),
  notional: z.unknown().optional(),
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  limitPrice: z.unknown().optional(),
  stopPrice: z.unknown().optional(),
  trailPercent: z.unknown().optional(),
  trailPrice: z.unknown().optional(),
  action: z.enum(ACTIONS).optional(),
  timeInForce: z.enum(['day', 'gtc', 'ioc', 'fok']).optional(),
  orderClass: z.enum(['bracket', 'oto', 'oco']).optional(),
  takeProfit: z.unknown().optional(),
  stopLoss: z.unknown().optional(),
});
const FIELDS = Object.keys(requestSchema.shape);
/** an order's problems read like an option's, with its fields called fields and strings in single quotes */
const ORDER_WORDING: IssueWording = { noun: 'field', refused: {}, show: (v) => describe(v) };

export interface PositionView {
  hasTicker(ticker: string): boolean;
  /** signed position quantity */
  position(ticker: string): number;
  /** quantity that open orders are already closing on that side */
  closingInFlight(ticker: string, closes: 'long' | 'short'): number;
  /** the ticker's current bid and ask (0 where there is none), for stops on the wrong side of the market */
  touch(ticker: string): { bid: number; ask: number };
  /** the session's broker and whether it takes notional orders (market, day); default: none does */
  broker?: { name: string; takesNotional: boolean };
}

export type CheckedRequest = Required<
  Pick<OrderRequest, 'ticker' | 'quantity' | 'side' | 'orderType' | 'action' | 'timeInForce'>
> &
  Pick<OrderRequest, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice' | 'orderClass'> & {
    /** a notional order's money; `quantity` is then the estimate at the touch */
    notional?: number;
    /** a bracket / OTO entry's exits (they close what the entry opens), an OCO's stop-loss */
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

type Parsed = z.infer<typeof requestSchema>;

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
  const known = view.hasTicker(o.ticker);
  if (!known) problems.push(`unknown ticker '${o.ticker}': not one of this session's tickers`);
  const touch = known ? view.touch(o.ticker) : { bid: 0, ask: 0 };
  // an OCO is its take-profit limit order: its limit price may be left to takeProfit
  const tp = o.takeProfit as { limitPrice?: unknown } | undefined;
  if (o.orderClass === 'oco' && o.limitPrice === undefined && typeof tp === 'object' && tp !== null)
    o.limitPrice = tp.limitPrice;
  const quantity = sizeOf(o, view, touch, problems);
  const terms = { ...o, timeInForce: o.timeInForce ?? 'day' } as Parameters<typeof priceTermsProblem>[0];
  const termsProblem = priceTermsProblem(terms, touch, SALVO_NAMES);
  if (termsProblem) problems.push(termsProblem[1]);
  const action: Action = o.action ?? defaultAction(o);
  if (ACTION_SIDE[action] !== o.side)
    problems.push(`action '${action}' goes with side '${ACTION_SIDE[action]}', not '${o.side}'`);
  if (problems.length) return { ok: false, reason: problems.join('; '), partial: { ...partial, action } };
  closingProblem(o, action, quantity, view, problems);
  const legs = o.orderClass ? groupLegs(o, o.orderClass, action, quantity, touch, problems) : undefined;
  if (!o.orderClass && (o.takeProfit !== undefined || o.stopLoss !== undefined))
    problems.push("takeProfit and stopLoss need orderClass 'bracket', 'oto' or 'oco'");
  if (problems.length) return { ok: false, reason: problems.join('; '), partial: { ...partial, action } };
  const prices = {
    limitPrice: o.limitPrice,
    stopPrice: o.stopPrice,
    trailPercent: o.trailPercent,
    trailPrice: o.trailPrice,
    notional: o.notional,
  } as Pick<CheckedRequest, 'limitPrice' | 'stopPrice' | 'trailPercent' | 'trailPrice' | 'notional'>;
  for (const key of ['stopPrice', 'trailPercent', 'trailPrice', 'notional'] as const)
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

/** an OCO closes a position, so a buying one covers a short; any other order opens or adds by default */
const defaultAction = (o: Parsed): Action =>
  o.side === 'buy' ? (o.orderClass === 'oco' ? 'buy_to_cover' : 'buy_long') : 'sell_long';

/**
 * The order's quantity: as given, or for a notional order the estimate at the touch (what salvo's
 * position and risk checks count; the venue fills notional / its own price). 0 with a problem noted.
 */
function sizeOf(o: Parsed, view: PositionView, touch: { bid: number; ask: number }, problems: string[]): number {
  if (o.notional === undefined) {
    if (o.quantity === undefined) problems.push('quantity is required (or notional, the money to trade)');
    else if (!isPositive(o.quantity))
      problems.push(`quantity must be a positive finite number; got ${describe(o.quantity)}`);
    return isPositive(o.quantity) ? o.quantity : 0;
  }
  const broker = view.broker ?? { name: 'session', takesNotional: false };
  const before = problems.length;
  if (o.quantity !== undefined) problems.push('give quantity or notional, not both');
  else if (!isPositive(o.notional))
    problems.push(`notional must be a positive finite amount of money; got ${describe(o.notional)}`);
  else if (!broker.takesNotional)
    problems.push(`the ${broker.name} broker does not take notional orders: give a quantity`);
  else if (o.orderType !== 'market' || (o.timeInForce ?? 'day') !== 'day' || o.orderClass)
    problems.push(
      `the ${broker.name} broker takes notional orders only as simple market orders, time in force day; this one is ${o.orderClass ? `an ${o.orderClass} ` : ''}${o.orderType}${o.limitPrice !== undefined ? ` with limitPrice ${describe(o.limitPrice)}` : ''}, ${o.timeInForce ?? 'day'}: give a quantity`,
    );
  if (problems.length > before) return 0;
  const price = o.side === 'buy' ? touch.ask : touch.bid;
  if (!(price > 0)) {
    problems.push(
      `a notional order for ${o.ticker} is sized at the ${o.side === 'buy' ? 'ask' : 'bid'}: there is none yet`,
    );
    return 0;
  }
  return (o.notional as number) / price;
}

/** an order that closes a position may close no more than is open and not already being closed */
function closingProblem(o: Parsed, action: Action, quantity: number, view: PositionView, problems: string[]): void {
  const closes = CLOSES[action];
  if (!closes) return;
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

/** a bracket / OTO entry's exits, or an OCO's stop-loss: checked as a group, each with its own terms */
function groupLegs(
  o: Parsed,
  orderClass: NonNullable<Parsed['orderClass']>,
  action: Action,
  quantity: number,
  touch: { bid: number; ask: number },
  problems: string[],
): CheckedRequest[] | undefined {
  if (orderClass === 'oco' && !CLOSES[action])
    problems.push(
      `an oco order closes a position: its action is sell_long / liquidate (a long) or buy_to_cover / cover_short (a short), not ${action}`,
    );
  const head = {
    ticker: o.ticker,
    quantity,
    side: o.side,
    orderType: o.orderType,
    limitPrice: o.limitPrice as number | undefined,
    timeInForce: o.timeInForce ?? 'day',
    action,
  };
  const exits = exitLegs(head, orderClass, o.takeProfit, o.stopLoss, touch);
  if ('problem' in exits) return void problems.push(exits.problem);
  const legs = exits.legs as CheckedRequest[];
  for (const leg of legs) {
    const p = priceTermsProblem(leg, touch, SALVO_NAMES);
    if (p) problems.push(`${orderClass} ${orderClass === 'oco' ? 'stopLoss' : 'exit'}: ${p[1]}`);
  }
  return legs;
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
