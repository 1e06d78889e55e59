// End of session: liquidate (cancel open orders, flatten what this session bought or sold at market,
// wait for the fills), hold (leave positions), or custom (the trader's shutdown action with a live
// ctx). Everything here finishes by `deadline` (eosTimeout after it began): a hung shutdown action is
// abandoned, a liquidation the broker does not fill in time is reported, never waited for forever.
import { preciseNow } from '../orders/order.js';
import type { OrderRequest } from '../types.js';
import { closeOutBehavior } from '../risk/kill.js';
import { ordersFrom } from './context.js';
import type { CallState, Session } from './session.js';
import { boundedCall, threwText } from './strategy-call.js';

export async function endOfSession(s: Session, deadline: number): Promise<void> {
  const o = s.options;
  // a kill or a flatten breach closes out whatever eosBehavior says
  const behavior = closeOutBehavior(s.endReason, o.eosBehavior, o.kill);
  s.log.info(`end of session (${s.endReason}): ${behavior}`);
  if (behavior === 'hold') return;
  if (behavior === 'cancel') {
    await s.desk.cancelOpen(Math.max(0, deadline - Date.now()), 'canceled by the kill switch');
    return;
  }
  if (behavior === 'liquidate') {
    await s.desk.cancelOpen((deadline - Date.now()) / 2, 'canceled to liquidate at end of session');
    const flatten = ownPositions(s);
    if (flatten.length) await sendAndWait(s, flatten, 'liquidation', deadline);
    const left = s.portfolio
      .positions(() => undefined)
      .filter((p) => Math.abs(p.quantity - (s.adopted.get(p.ticker) ?? 0)) > 1e-9);
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

async function customShutdown(s: Session, call: CallState, deadline: number): Promise<void> {
  const o = s.options;
  const outcome = await boundedCall(() => o.customShutdownAction!(s.context(s.clock.ticks + 1, call)), {
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
 * The market orders that undo this session's own trading. A position the account already held at
 * start (adopted) is not this session's to close: only what the session's fills added to it is
 * sold or bought back, never more than brings the position to zero, and the rest is said in the log.
 */
function ownPositions(s: Session): OrderRequest[] {
  const out: OrderRequest[] = [];
  for (const p of s.portfolio.positions(() => undefined)) {
    const adopted = s.adopted.get(p.ticker) ?? 0;
    const own = p.quantity - adopted;
    // close only what moved the position away from zero, and never past zero
    const close = Math.sign(own) === Math.sign(p.quantity) ? Math.min(Math.abs(own), Math.abs(p.quantity)) : 0;
    if (adopted !== 0)
      s.log.info(
        `liquidate: ${p.ticker} holds ${p.quantity}, of which ${adopted} was held before this session: ${close ? `closing ${close}` : "nothing of it is this session's to close"}`,
      );
    if (close <= 1e-9) continue;
    if (!s.feed.board.has(p.ticker)) {
      s.log.warn(`liquidate: ${p.ticker} ${p.quantity} is not one of this session's tickers; left open`);
      continue;
    }
    out.push({
      ticker: p.ticker,
      quantity: close,
      side: p.quantity > 0 ? 'sell' : 'buy',
      orderType: 'market',
      action: p.quantity > 0 ? 'liquidate' : 'cover_short',
    });
  }
  return out;
}

async function sendAndWait(s: Session, requests: unknown[], what: string, deadline: number): Promise<void> {
  const orders = s.desk.submitBlock(requests, preciseNow());
  const open = await s.book.whenTerminal(orders, Math.max(0, deadline - Date.now()));
  if (open.length)
    s.log.warn(
      `${what}: ${open.length} order(s) not final by the end of eosTimeout (${s.options.eosTimeoutMs} ms): ${open.map((x) => x.clientOrderId).join(', ')}`,
    );
}
