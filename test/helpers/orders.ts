// Order fixtures: one order as a broker receives it and as salvo keeps it, for tests that build
// orders by hand instead of through a session.
import type { WireOrder } from '../../src/brokers/broker.js';
import type { Order } from '../../src/orders/order.js';
import type { OrderRequest } from '../../src/types.js';

/** a day market buy of 10 AAPL as sent to a broker; `over` sets any field */
export const aWireOrder = (over: Partial<WireOrder> = {}): WireOrder => ({
  clientOrderId: 'buy_long-1-0000000a',
  ticker: 'AAPL',
  quantity: 10,
  side: 'buy',
  orderType: 'market',
  timeInForce: 'day',
  action: 'buy_long',
  ...over,
});

/** `aWireOrder` as salvo keeps it: leg 0 of block b-1 for worker 1, just created, nothing filled; `over` sets any field */
export const anOrder = (over: Partial<Order> = {}): Order => ({
  ...aWireOrder(),
  blockId: 'b-1',
  leg: 0,
  workerId: 1,
  status: 'created',
  filledQty: 0,
  filledAvgPrice: 0,
  decidedAt: 0,
  attempts: 0,
  ...over,
});

/** the terms of a take-profit exit of a long: a limit sell at 102 */
export const SELL_LIMIT_102 = { side: 'sell', orderType: 'limit', limitPrice: 102, action: 'sell_long' } as const;

/** a strategy's bracket: buy 5 BRK at market, take profit at 102, stop out at 98 */
export const BRK_BRACKET: OrderRequest = {
  ticker: 'BRK',
  quantity: 5,
  side: 'buy',
  orderType: 'market',
  orderClass: 'bracket',
  takeProfit: { limitPrice: 102 },
  stopLoss: { stopPrice: 98 },
};

/** a strategy's OCO closing a long: a limit sell at 104, its stop-loss at 97 */
export const ocoExit = (ticker: string, quantity: number): OrderRequest => ({
  ticker,
  quantity,
  side: 'sell',
  orderType: 'limit',
  orderClass: 'oco',
  takeProfit: { limitPrice: 104 },
  stopLoss: { stopPrice: 97 },
});
