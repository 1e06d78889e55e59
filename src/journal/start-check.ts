// Reconciliation at every start, resumed or not, before the first strategy call: the broker's open
// orders with salvo-shaped client ids that this session does not know (orphans of a crashed session
// of this strategy, or ids made before strategy ids) are reported, adopted or canceled as
// `onStartOrphans` says; open orders carrying another strategy id belong to another runner on the
// account and are only reported; positions the strategy did not open are named in the log.
import type { StartCheck } from '../types.js';
import type { Broker, BrokerOrderState } from '../brokers/broker.js';
import type { OrderRegistry } from '../execution/order-registry.js';
import { CLIENT_ID_SHAPE, strategyOf, type Order } from '../orders/order.js';
import type { Action } from '../types.js';
import type { Log } from '../util/log.js';

export type { OrphanPolicy } from '../types.js';
import type { OrphanPolicy } from '../types.js';

/** `<action>-<workerId>-<8 hex>[-<strategyId>]`: the shape of every client order id salvo makes, old and new */
export const SALVO_ID = CLIENT_ID_SHAPE;

export async function checkAtStart(args: {
  broker: Broker;
  book: OrderRegistry;
  log: Log;
  policy: OrphanPolicy;
  /** this runner's: an open order carrying another strategy id is another runner's, never an orphan */
  strategyId: string;
  numWorkers: number;
  /** journals adopted orders, so that a resume after another crash knows them */
  adopted: (orders: Order[]) => void;
  /** the broker's positions, as listed at connect */
  held: ReadonlyArray<{ ticker: string; quantity: number }>;
  /** positions the session accounts for (a resumed session's rebuilt ones); undefined: none */
  ours?: (ticker: string) => number;
}): Promise<StartCheck> {
  const { broker, book, log, policy } = args;
  let open: BrokerOrderState[] = [];
  try {
    open = await broker.openOrders();
  } catch (error) {
    log.warn(
      `could not list the broker's open orders at start, so orphans of another session are not checked: ${(error as Error).message}`,
    );
  }
  const unknown = open.filter((o) => SALVO_ID.test(o.clientOrderId) && !book.get(o.clientOrderId));
  const isOthers = (o: BrokerOrderState) => (strategyOf(o.clientOrderId) ?? args.strategyId) !== args.strategyId;
  const orphans = unknown.filter((o) => !isOthers(o));
  const otherRunners = othersOf(unknown.filter(isOthers), log);
  const tickers = [...new Set(orphans.map((o) => o.ticker))].sort();
  if (orphans.length) {
    const what = `${orphans.length} open order(s) with salvo client ids this session does not know, in ${tickers.join(', ')}`;
    if (policy === 'report')
      log.warn(`${what}: left as they are (onStartOrphans 'report'; 'adopt' tracks them, 'cancel' cancels them)`);
    if (policy === 'cancel') {
      log.warn(`${what}: canceling them (onStartOrphans 'cancel')`);
      await Promise.all(
        orphans.map((o) =>
          broker
            .cancel(o.clientOrderId)
            .catch((e: Error) => log.warn(`cancel of orphan ${o.clientOrderId} refused: ${e.message}`)),
        ),
      );
    }
    if (policy === 'adopt') {
      log.warn(`${what}: adopted (tracked, and closed at the end of session like this session's own)`);
      const orders = orphans.map((o, leg) => adopt(book, o, leg, args.numWorkers));
      args.adopted(orders);
      // what it filled before is in the broker's positions already (the portfolio starts from them): no fill event
      orders.forEach((order, i) =>
        book.move(order, order.filledQty > 0 ? 'partially_filled' : 'new', {
          source: 'execution',
          rawStatus: orphans[i].rawStatus,
          reason: 'adopted at start',
          at: orphans[i].updatedAt,
        }),
      );
    }
  }
  const heldAtStart = args.held
    .filter((p) => Math.abs(p.quantity - (args.ours?.(p.ticker) ?? 0)) > 1e-9)
    .map((p) => ({ ticker: p.ticker, quantity: p.quantity - (args.ours?.(p.ticker) ?? 0) }));
  // a fresh start's holdings are said once, by the session that adopts them; a resume names what is
  // held beyond what its journal accounts for
  if (heldAtStart.length && args.ours)
    log.warn(
      `positions the resumed session's journal does not account for: ${heldAtStart.map((p) => `${p.ticker} ${p.quantity}`).join(', ')}`,
    );
  return {
    orphans: { count: orphans.length, tickers, clientOrderIds: orphans.map((o) => o.clientOrderId), action: policy },
    heldAtStart,
    otherRunners,
  };
}

/** other runners' open orders: said once, left alone whatever onStartOrphans says */
function othersOf(orders: BrokerOrderState[], log: Log): StartCheck['otherRunners'] {
  const strategies = [...new Set(orders.map((o) => strategyOf(o.clientOrderId) ?? ''))].sort();
  if (orders.length)
    log.info(
      `${orders.length} open order(s) of other runners on this account (strategy ${strategies.join(', ')}): theirs, left alone`,
    );
  return { count: orders.length, strategies, clientOrderIds: orders.map((o) => o.clientOrderId) };
}

function adopt(book: OrderRegistry, o: BrokerOrderState, leg: number, numWorkers: number): Order {
  const [, action, worker] = SALVO_ID.exec(o.clientOrderId)!;
  const order: Order = {
    clientOrderId: o.clientOrderId,
    ticker: o.ticker,
    quantity: o.quantity,
    side: o.side,
    orderType: 'limit',
    timeInForce: 'day',
    action: action as Action,
    blockId: 'adopted',
    leg,
    workerId: ((Number(worker) - 1 + numWorkers) % numWorkers) + 1,
    status: 'submitted',
    filledQty: o.filledQty,
    filledAvgPrice: o.filledAvgPrice,
    decidedAt: Date.now(),
    attempts: 0,
    brokerOrderId: o.brokerOrderId,
  };
  book.add(order);
  return order;
}

export type { StartCheck };
