// End of session: liquidate (cancel open orders, flatten every position at market, wait for the
// fills), hold (leave positions), or custom (the trader's shutdown action with a live ctx).
import { preciseNow } from '../execution/order.js';
import type { OrderRequest } from '../types.js';
import { closeOutBehavior } from '../risk/kill.js';
import { ordersFrom } from './context.js';
import type { Session } from './session.js';

export async function endOfSession(s: Session): Promise<void> {
  const o = s.options;
  // a kill or a flatten breach closes out whatever eosBehavior says
  const behavior = closeOutBehavior(s.endReason, o.eosBehavior, o.kill);
  s.log.info(`end of session (${s.endReason}): ${behavior}`);
  if (behavior === 'hold') return;
  if (behavior === 'cancel') {
    await s.desk.cancelOpen(o.eosTimeout, 'canceled by the kill switch');
    return;
  }
  if (behavior === 'liquidate') {
    await s.desk.cancelOpen(o.eosTimeout / 2, 'canceled to liquidate at end of session');
    const flatten: OrderRequest[] = s.portfolio.positions(() => undefined).map((p) => ({
      ticker: p.ticker,
      quantity: Math.abs(p.quantity),
      side: p.quantity > 0 ? 'sell' : 'buy',
      orderType: 'market',
      action: p.quantity > 0 ? 'liquidate' : 'cover_short',
    }));
    if (flatten.length) await sendAndWait(s, flatten, 'liquidation');
    const left = s.portfolio.positions(() => undefined);
    if (left.length) s.log.warn(`liquidate left positions open: ${left.map((p) => `${p.ticker} ${p.quantity}`).join(', ')}`);
    return;
  }
  let result: unknown;
  try {
    result = await o.customShutdownAction!(s.context(s.clock.ticks + 1));
  } catch (error) {
    s.log.error(`customShutdownAction threw: ${(error as Error)?.stack ?? String(error)}`);
    return;
  }
  const { orders, error } = ordersFrom(result);
  if (error) s.log.error(`customShutdownAction: ${error}`);
  if (orders.length) await sendAndWait(s, orders, 'custom shutdown');
}

async function sendAndWait(s: Session, requests: unknown[], what: string): Promise<void> {
  const orders = s.desk.submitBlock(requests, preciseNow());
  const open = await s.book.whenTerminal(orders, s.options.eosTimeout);
  if (open.length) s.log.warn(`${what}: ${open.length} order(s) not final after ${s.options.eosTimeout} ms: ${open.map((x) => x.clientOrderId).join(', ')}`);
}
