// End of session: liquidate (cancel open orders, flatten what this session bought or sold at market,
// wait for the fills), hold (leave positions), or custom (the trader's shutdown action with a live
// ctx). Everything here finishes by `deadline` (eosTimeout after it began): a hung shutdown action is
// abandoned, a liquidation the broker does not fill in time is reported, never waited for forever.
import type { OrderRegistry } from '../execution/order-registry.js';
import type { Order } from '../orders/order.js';
import type { OrderRequest, Position, StrategyContext } from '../types.js';
import type { Log } from '../util/log.js';
import { closeOutBehavior } from '../risk/kill.js';
import { ordersFrom } from './context.js';
import type { SessionOptions } from './options.js';
import type { SessionStatus } from './status.js';
import { boundedCall, threwText, type CallState } from './strategy-call.js';

/** The session as its end of session sees it (the session builds this over its own state). */
export interface EndOfSessionView extends SessionStatus {
  readonly options: Pick<SessionOptions, 'eosBehavior' | 'eosTimeoutMs' | 'kill' | 'customShutdownAction'>;
  readonly log: Log;
  readonly book: Pick<OrderRegistry, 'whenTerminal'>;
  /** positions now (unmarked) */
  positions(): Position[];
  /** this runner's own book: what its fills added (held at start and other runners' fills are not in it) */
  ownBook(): Position[];
  /** whether the ticker is on the session's quote board (only those can be traded) */
  trades(ticker: string): boolean;
  cancelOpen(withinMs: number, reason: string): Promise<unknown>;
  /** sends one block now, decided now */
  send(requests: unknown[]): Order[];
  /** the ctx of the customShutdownAction: it sends until `call` is closed */
  shutdownContext(call: CallState): StrategyContext;
}

export async function endOfSession(s: EndOfSessionView, deadline: number): Promise<void> {
  const o = s.options;
  // a kill or a flatten breach closes out whatever eosBehavior says
  const behavior = closeOutBehavior(s.endReason, o.eosBehavior, o.kill);
  s.log.info(`end of session (${s.endReason}): ${behavior}`);
  if (behavior === 'hold') return;
  if (behavior === 'cancel') {
    await s.cancelOpen(Math.max(0, deadline - Date.now()), 'canceled by the kill switch');
    return;
  }
  if (behavior === 'liquidate') {
    await s.cancelOpen((deadline - Date.now()) / 2, 'canceled to liquidate at end of session');
    const flatten = ownPositions(s);
    if (flatten.length) await sendAndWait(s, flatten, 'liquidation', deadline);
    const left = s.ownBook();
    if (left.length)
      s.log.warn(`liquidate left positions open: ${left.map((p) => `${p.ticker} ${p.quantity}`).join(', ')}`);
    return;
  }
  const call: CallState = {};
  try {
    await customShutdown(s, call, deadline);
  } finally {
    // a timer the action left behind must not send after the last cancels
    call.closed ??= 'the customShutdownAction finished';
  }
}

async function customShutdown(s: EndOfSessionView, call: CallState, deadline: number): Promise<void> {
  const o = s.options;
  const action = o.customShutdownAction;
  if (!action) return; // parseOptions requires one with eosBehavior 'custom'
  const outcome = await boundedCall(() => action(s.shutdownContext(call)), {
    timeoutMs: Math.max(0, deadline - Date.now()),
    stop: new AbortController().signal,
    graceMs: 0,
    late: (late) =>
      s.log.warn(
        `the abandoned customShutdownAction ${late.kind === 'threw' ? threwText('finally', late.error) : 'finally returned'}; nothing from it is sent`,
      ),
  });
  if (outcome.kind === 'threw') return s.log.error(threwText('customShutdownAction', outcome.error));
  if (outcome.kind === 'abandoned') {
    call.closed = 'its call was abandoned';
    return s.log.error(
      `customShutdownAction abandoned: no answer by the end of eosTimeout (${o.eosTimeoutMs} ms); its orders will not be sent`,
    );
  }
  const { orders, error } = ordersFrom(outcome.value);
  if (error) s.log.error(`customShutdownAction: ${error}`);
  if (orders.length) await sendAndWait(s, orders, 'custom shutdown', deadline);
}

/**
 * The market orders that undo this runner's own trading: its own book flattened. What the account
 * held at start and what other runners filled are theirs, never closed here. The action follows
 * the position the checks see (held at start + own fills): selling what is held long there is
 * 'liquidate', buying back what is short there is 'cover_short'; where the own book's sign is not
 * that position's (this runner sold from a position it did not open), the order opens instead.
 */
function ownPositions(s: EndOfSessionView): OrderRequest[] {
  const out: OrderRequest[] = [];
  const known = new Map(s.positions().map((p) => [p.ticker, p.quantity]));
  for (const p of s.ownBook()) {
    if (!s.trades(p.ticker)) {
      s.log.warn(`liquidate: ${p.ticker} ${p.quantity} is not one of this session's tickers; left open`);
      continue;
    }
    const quantity = Math.abs(p.quantity);
    const held = known.get(p.ticker) ?? 0;
    const side = p.quantity > 0 ? 'sell' : 'buy';
    const closes = side === 'sell' ? held >= quantity - 1e-9 : -held >= quantity - 1e-9;
    const action = side === 'sell' ? (closes ? 'liquidate' : 'short_sell') : closes ? 'cover_short' : 'buy_long';
    if (Math.abs(held - p.quantity) > 1e-9)
      s.log.info(`liquidate: ${p.ticker} closing this runner's own ${p.quantity}; the rest is not its own`);
    out.push({ ticker: p.ticker, quantity, side, orderType: 'market', action });
  }
  return out;
}

async function sendAndWait(s: EndOfSessionView, requests: unknown[], what: string, deadline: number): Promise<void> {
  const orders = s.send(requests);
  const open = await s.book.whenTerminal(orders, Math.max(0, deadline - Date.now()));
  if (open.length)
    s.log.warn(
      `${what}: ${open.length} order(s) not final by the end of eosTimeout (${s.options.eosTimeoutMs} ms): ${open.map((x) => x.clientOrderId).join(', ')}`,
    );
}
