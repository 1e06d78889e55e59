// Reconciliation at every start, resumed or not, before the first strategy call: the broker's open
// orders with salvo-shaped client ids that this session does not know (orphans of a crashed session
// of this strategy, or ids made before strategy ids) are reported, adopted or canceled as
// `onStartOrphans` says; open orders carrying another strategy id belong to another runner on the
// account and are only reported. (Positions held at start are the session's: it adopts them and
// says so once; a resume compares its rebuilt positions with the broker's.)
import type { StartCheck } from '../types.js';
import type { Broker, BrokerOrderState } from '../brokers/broker.js';
import type { OrderRegistry } from '../execution/order-registry.js';
import { CLIENT_ID_SHAPE, strategyOf, type Order } from '../orders/order.js';
import type { Action } from '../types.js';
import type { Log } from '../util/log.js';

export type { OrphanPolicy } from '../types.js';
import type { OrphanPolicy } from '../types.js';
import { required } from '../util/defined.js';

/** `<action>-<workerId>-<8 hex>[-<strategyId>]`: the shape of every client order id salvo makes, old and new */
export const SALVO_ID = CLIENT_ID_SHAPE;

/** Alpaca's paper endpoint, and loopback (salvo's own exchange): anything else may be real money */
const PAPER_HOSTS = /^(paper-api\.alpaca\.markets|localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether the broker may be a live (real money) account: Alpaca at any host but its paper endpoint
 * or loopback. A FIX peer does not say, so it counts as paper: set onStartOrphans for a live one.
 */
export function isLiveAccount(broker: { type: string } & Record<string, unknown>): boolean {
  if (broker.type !== 'alpaca') return false;
  try {
    return !PAPER_HOSTS.test(new URL(String(broker.baseUrl ?? 'https://paper-api.alpaca.markets')).hostname);
  } catch {
    return true;
  }
}

export async function checkAtStart(args: {
  broker: Broker;
  book: OrderRegistry;
  log: Log;
  /** unset: 'report', but a live account with orphans refuses to start (see isLiveAccount) */
  policy: OrphanPolicy | undefined;
  live: boolean;
  /** this runner's: an open order carrying another strategy id is another runner's, never an orphan */
  strategyId: string;
  numWorkers: number;
  /** journals adopted orders, so that a resume after another crash knows them */
  adopted: (orders: Order[]) => void;
}): Promise<StartCheck> {
  const { broker, book, log } = args;
  const policy = args.policy ?? 'report';
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
    // real money: the trader says what becomes of them before anything else is sent
    if (args.live && args.policy === undefined)
      throw new Error(
        `${what}, on a live account: refusing to start; say what to do with them: onStartOrphans 'report' (leave them), 'adopt' (track and close them) or 'cancel' (--on-start-orphans)`,
      );
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
      orders.forEach((order, i) => {
        book.move(order, order.filledQty > 0 ? 'partially_filled' : 'new', {
          source: 'execution',
          rawStatus: orphans[i].rawStatus,
          reason: 'adopted at start',
          at: orphans[i].updatedAt,
        });
      });
    }
  }
  return {
    orphans: { count: orphans.length, tickers, clientOrderIds: orphans.map((o) => o.clientOrderId), action: policy },
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
  const [, action, worker] = required(SALVO_ID.exec(o.clientOrderId), `a salvo id in ${o.clientOrderId}`);
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
