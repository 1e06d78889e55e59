// salvo's orders to FIX order-entry messages and ExecutionReports back to Alpaca's vocabulary.
// Pure functions over tag values, shared by the initiator and the paper venue's acceptor, so the
// mapping is written (and tested) once. Objects use the field names of jspurefix's QuickFIX
// dictionaries: FIX 4.4 nests Symbol and OrderQty in components, FIX 4.2 does not.
import {
  BrokerRejection,
  type BrokerOrderState,
  type BrokerOrderStatus,
  type TradeUpdate,
  type WireOrder,
} from '../brokers/broker.js';
import type { OrderType, Side, TimeInForce } from '../types.js';

export type BeginString = 'FIX.4.4' | 'FIX.4.2';

export const Tag = {
  Account: 1,
  AvgPx: 6,
  ClOrdID: 11,
  CumQty: 14,
  ExecID: 17,
  LastPx: 31,
  LastQty: 32,
  OrderID: 37,
  OrderQty: 38,
  OrdStatus: 39,
  OrdType: 40,
  OrigClOrdID: 41,
  PossDupFlag: 43,
  Price: 44,
  StopPx: 99,
  RefSeqNum: 45,
  Side: 54,
  Symbol: 55,
  Text: 58,
  TimeInForce: 59,
  TransactTime: 60,
  CxlRejReason: 102,
  OrdRejReason: 103,
  ExecType: 150,
  CashOrderQty: 152,
  LeavesQty: 151,
  RefTagID: 371,
  RefMsgType: 372,
  SessionRejectReason: 373,
  BusinessRejectRefID: 379,
  BusinessRejectReason: 380,
  CxlRejResponseTo: 434,
} as const;

/** explicit both ways: a TimeInForce salvo does not know is an error, never a silent default */
export const TIF_TO_FIX: Readonly<Record<TimeInForce, string>> = { day: '0', gtc: '1', ioc: '3', fok: '4' };
export const TIF_FROM_FIX: Readonly<Record<string, TimeInForce>> = { 0: 'day', 1: 'gtc', 3: 'ioc', 4: 'fok' };

export function fixTimeInForce(tif: string): string {
  const value = Object.hasOwn(TIF_TO_FIX, tif) ? TIF_TO_FIX[tif as TimeInForce] : undefined;
  if (!value) {
    const known = Object.entries(TIF_TO_FIX)
      .map(([k, v]) => `${k}→${v}`)
      .join(', ');
    throw new Error(`FIX: no TimeInForce(59) for '${tif}' (known: ${known})`);
  }
  return value;
}

/** OrdType(40) both ways; a trailing stop has no FIX 4.4 OrdType venues agree on, so salvo does not send one */
export const ORD_TYPE_TO_FIX: Readonly<Partial<Record<OrderType, string>>> = {
  market: '1',
  limit: '2',
  stop: '3',
  stop_limit: '4',
};
export const ORD_TYPE_FROM_FIX: Readonly<Record<string, OrderType>> = {
  1: 'market',
  2: 'limit',
  3: 'stop',
  4: 'stop_limit',
};
export const TRAILING_STOP_OVER_FIX =
  'trailing stops are not sent over FIX (FIX 4.4 has no trailing stop venues agree on): send a stop and replace its stopPrice as the market moves, or use the paper or alpaca broker';

/** a BrokerRejection (final, with the reason in the CSV) for a type salvo does not send over FIX */
export function fixOrdType(type: string): string {
  const value = Object.hasOwn(ORD_TYPE_TO_FIX, type) ? ORD_TYPE_TO_FIX[type as OrderType] : undefined;
  if (value) return value;
  if (type === 'trailing_stop') throw new BrokerRejection(TRAILING_STOP_OVER_FIX, 'unsupported_order_type');
  throw new BrokerRejection(
    `FIX: no OrdType(40) for '${type}' (known: market→1, limit→2, stop→3, stop_limit→4)`,
    'unsupported_order_type',
  );
}

/** Price(44) and StopPx(99) as the order type has them */
function prices(order: Pick<WireOrder, 'orderType' | 'limitPrice' | 'stopPrice'>): Record<string, unknown> {
  const msg: Record<string, unknown> = {};
  if (order.orderType === 'limit' || order.orderType === 'stop_limit') msg.Price = order.limitPrice;
  if (order.orderType === 'stop' || order.orderType === 'stop_limit') msg.StopPx = order.stopPrice;
  return msg;
}

/** short sells go out as Side 5, which venues need for their locate and short-sale rules */
export function fixSide(order: Pick<WireOrder, 'side' | 'action'>): string {
  if (order.side === 'buy') return '1';
  if (order.side === 'sell') return order.action === 'short_sell' ? '5' : '2';
  throw new Error(`FIX: no Side(54) for '${order.side as string}'`);
}

export function sideFromFix(side: unknown): Side | undefined {
  const s = String(side ?? '');
  if (s === '1') return 'buy';
  if (s === '2' || s === '5' || s === '6') return 'sell';
  return undefined;
}

const instrument = (v: BeginString, symbol: string) =>
  v === 'FIX.4.4' ? { Instrument: { Symbol: symbol } } : { Symbol: symbol };
/** OrderQty(38), or CashOrderQty(152) for a notional order: the money, the venue sizing the shares */
const quantity = (v: BeginString, o: Pick<WireOrder, 'quantity' | 'notional'>) => {
  const size = o.notional === undefined ? { OrderQty: o.quantity } : { CashOrderQty: o.notional };
  return v === 'FIX.4.4' ? { OrderQtyData: size } : size;
};

export function newOrderSingle(order: WireOrder, v: BeginString, account?: string): Record<string, unknown> {
  return orderTerms(order, v, account);
}

/** OrderCancelReplaceRequest(G): `order` is the replacement (its own ClOrdID), `original` the open order */
export function orderCancelReplaceRequest(
  order: WireOrder,
  original: WireOrder,
  v: BeginString,
  account?: string,
): Record<string, unknown> {
  return { OrigClOrdID: original.clientOrderId, ...orderTerms(order, v, account) };
}

/** the terms a NewOrderSingle(D) and a replace (G) both carry, under `order`'s ClOrdID */
function orderTerms(order: WireOrder, v: BeginString, account?: string): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    ClOrdID: order.clientOrderId,
    // automated execution, no broker intervention; required in 4.2
    HandlInst: '1',
    ...instrument(v, order.ticker),
    Side: fixSide(order),
    TransactTime: new Date(),
    ...quantity(v, order),
    OrdType: fixOrdType(order.orderType),
    TimeInForce: fixTimeInForce(order.timeInForce),
    ...prices(order),
  };
  if (account) msg.Account = account;
  return msg;
}

export function orderCancelRequest(
  order: WireOrder,
  cancelId: string,
  v: BeginString,
  account?: string,
): Record<string, unknown> {
  const msg: Record<string, unknown> = {
    OrigClOrdID: order.clientOrderId,
    ClOrdID: cancelId,
    ...instrument(v, order.ticker),
    Side: fixSide(order),
    TransactTime: new Date(),
    ...quantity(v, order),
  };
  if (account) msg.Account = account;
  return msg;
}

export function orderStatusRequest(
  order: Pick<WireOrder, 'clientOrderId' | 'ticker' | 'side' | 'action'>,
  v: BeginString,
): Record<string, unknown> {
  return { ClOrdID: order.clientOrderId, ...instrument(v, order.ticker), Side: fixSide(order) };
}

const ORD_STATUS: Readonly<Record<string, [BrokerOrderStatus | undefined, string]>> = {
  0: ['new', 'NEW'],
  1: ['partially_filled', 'PARTIALLY_FILLED'],
  2: ['filled', 'FILLED'],
  // done for day: the order will not trade again, which salvo treats as expired
  3: ['expired', 'DONE_FOR_DAY'],
  4: ['canceled', 'CANCELED'],
  5: ['replaced', 'REPLACED'],
  6: ['pending_cancel', 'PENDING_CANCEL'],
  7: [undefined, 'STOPPED'],
  8: ['rejected', 'REJECTED'],
  9: [undefined, 'SUSPENDED'],
  A: ['pending_new', 'PENDING_NEW'],
  B: [undefined, 'CALCULATED'],
  C: ['expired', 'EXPIRED'],
  D: [undefined, 'ACCEPTED_FOR_BIDDING'],
  E: [undefined, 'PENDING_REPLACE'],
};

const EXEC_TYPE: Readonly<Record<string, string>> = {
  0: 'new',
  3: 'done_for_day',
  4: 'canceled',
  5: 'replaced',
  6: 'pending_cancel',
  7: 'stopped',
  8: 'rejected',
  9: 'suspended',
  A: 'pending_new',
  B: 'calculated',
  C: 'expired',
  D: 'restated',
  E: 'pending_replace',
  G: 'trade_correct',
  H: 'trade_cancel',
  I: 'order_status',
};

/** ExecType F (4.4) and 1 / 2 (4.2) report a fill */
export const isTradeExecType = (execType: string): boolean => execType === 'F' || execType === '1' || execType === '2';

export interface ExecReport {
  clOrdId: string;
  origClOrdId?: string;
  orderId: string;
  execId: string;
  execType: string;
  ordStatus: string;
  symbol: string;
  side?: Side;
  orderQty?: number;
  cumQty: number;
  avgPx: number;
  lastQty?: number;
  lastPx?: number;
  text?: string;
  ordRejReason?: string;
  transactTime?: number;
  possDup: boolean;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function readExecReport(get: (tag: number) => unknown): ExecReport {
  const time = get(Tag.TransactTime);
  return {
    clOrdId: str(get(Tag.ClOrdID)) ?? '',
    origClOrdId: str(get(Tag.OrigClOrdID)),
    orderId: str(get(Tag.OrderID)) ?? '',
    execId: str(get(Tag.ExecID)) ?? '',
    execType: str(get(Tag.ExecType)) ?? '',
    ordStatus: str(get(Tag.OrdStatus)) ?? '',
    symbol: str(get(Tag.Symbol)) ?? '',
    side: sideFromFix(get(Tag.Side)),
    orderQty: num(get(Tag.OrderQty)),
    cumQty: num(get(Tag.CumQty)) ?? 0,
    avgPx: num(get(Tag.AvgPx)) ?? 0,
    lastQty: num(get(Tag.LastQty)),
    lastPx: num(get(Tag.LastPx)),
    text: str(get(Tag.Text)),
    ordRejReason: str(get(Tag.OrdRejReason)),
    transactTime: time instanceof Date ? time.getTime() : undefined,
    possDup: get(Tag.PossDupFlag) === true || get(Tag.PossDupFlag) === 'Y',
  };
}

/** BrokerOrderStatus for an OrdStatus; states salvo has no word for keep the order working */
export function statusOf(er: Pick<ExecReport, 'ordStatus' | 'cumQty'>): BrokerOrderStatus {
  return ORD_STATUS[er.ordStatus]?.[0] ?? (er.cumQty > 0 ? 'partially_filled' : 'new');
}

export const rawStatusOf = (ordStatus: string): string => ORD_STATUS[ordStatus]?.[1] ?? `ORDSTATUS_${ordStatus}`;

export function eventOf(er: Pick<ExecReport, 'execType' | 'ordStatus'>): string {
  if (isTradeExecType(er.execType)) return er.ordStatus === '2' ? 'fill' : 'partial_fill';
  return EXEC_TYPE[er.execType] ?? `exec_type_${er.execType}`;
}

/** the TradeUpdate an ExecutionReport stands for; `known` fills in what a terse report leaves out */
export function tradeUpdateOf(
  er: ExecReport,
  clientOrderId: string,
  known?: Pick<WireOrder, 'ticker' | 'side' | 'quantity'>,
): TradeUpdate {
  const order: BrokerOrderState = {
    clientOrderId,
    brokerOrderId: er.orderId,
    ticker: er.symbol || known?.ticker || '',
    side: er.side ?? known?.side ?? 'buy',
    quantity: er.orderQty ?? known?.quantity ?? er.cumQty,
    status: statusOf(er),
    rawStatus: rawStatusOf(er.ordStatus),
    filledQty: er.cumQty,
    filledAvgPrice: er.cumQty > 0 ? er.avgPx : 0,
  };
  if (er.text) order.reason = er.text;
  const update: TradeUpdate = { event: eventOf(er), order, timestamp: er.transactTime ?? Date.now() };
  const lastQty = er.lastQty ?? 0;
  if (isTradeExecType(er.execType) && lastQty > 0) update.fill = { qty: lastQty, price: er.lastPx ?? er.avgPx };
  return update;
}

/** what the acceptor answers for one venue update: ExecType and OrdStatus from Alpaca's words */
export function execTypeFor(event: string): string {
  const map: Record<string, string> = {
    pending_new: 'A',
    new: '0',
    partial_fill: 'F',
    fill: 'F',
    canceled: '4',
    expired: 'C',
    rejected: '8',
    replaced: '5',
    pending_cancel: '6',
  };
  const value = map[event];
  if (!value) throw new Error(`FIX: no ExecType(150) for venue event '${event}'`);
  return value;
}

export function ordStatusFor(status: BrokerOrderStatus): string {
  const map: Record<BrokerOrderStatus, string> = {
    pending_new: 'A',
    new: '0',
    partially_filled: '1',
    filled: '2',
    pending_cancel: '6',
    canceled: '4',
    rejected: '8',
    expired: 'C',
    replaced: '5',
    held: 'A', // a held leg is FIX's pending new
  };
  return map[status];
}
