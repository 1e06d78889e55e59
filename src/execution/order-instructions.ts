// What a strategy may return beside new orders: { cancel: id }, { replace: id, quantity?,
// limitPrice?, stopPrice? } and { cancelAll: true | ticker }, for the orders of its own session.
// A cancel reaches the broker once the order is acknowledged (one still waiting for rate budget is
// simply not sent); a replace becomes a new order (new client order id, `replaces` the old one)
// routed and retried like any order, which the broker swaps in one step. A request that cannot be
// honoured (unknown order, already final, not yet acknowledged) is a rejected row of its own in the
// trade log with the reason; the rest of the block goes on.
import type { OpenOrder } from '../types.js';
import { clientOrderId, freshOrderState, isTerminal, preciseNow, strategyOf, type Order } from '../orders/order.js';
import type { OrderRegistry } from './order-registry.js';
import type { Throttle } from './throttle.js';
import { checkOrder, closesSide, type PositionView } from './validate.js';
import type { WorkerPool } from './worker-pool.js';
import { defined } from '../util/defined.js';

export type Instruction =
  | { kind: 'cancel'; id: string }
  | { kind: 'replace'; id: string; quantity?: unknown; limitPrice?: unknown; stopPrice?: unknown }
  | { kind: 'cancelAll'; ticker?: string };

const REPLACE_FIELDS = new Set(['replace', 'quantity', 'limitPrice', 'stopPrice']);

/** the instruction in a returned entry, `{ problem }` when it is one but malformed, undefined for an order */
export function instructionOf(raw: unknown): Instruction | { problem: string } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if ('cancel' in r) {
    if (Object.keys(r).length !== 1)
      return { problem: `a cancel is { cancel: clientOrderId } alone; got fields ${Object.keys(r).join(', ')}` };
    return typeof r.cancel === 'string'
      ? { kind: 'cancel', id: r.cancel }
      : { problem: `cancel needs a client order id string; got ${JSON.stringify(r.cancel)}` };
  }
  if ('replace' in r) {
    const extra = Object.keys(r).filter((k) => !REPLACE_FIELDS.has(k));
    if (extra.length)
      return {
        problem: `a replace takes quantity, limitPrice and stopPrice only; unknown field(s) ${extra.join(', ')}`,
      };
    if (typeof r.replace !== 'string')
      return { problem: `replace needs a client order id string; got ${JSON.stringify(r.replace)}` };
    return { kind: 'replace', id: r.replace, quantity: r.quantity, limitPrice: r.limitPrice, stopPrice: r.stopPrice };
  }
  if ('cancelAll' in r) {
    if (r.cancelAll === true) return { kind: 'cancelAll' };
    return typeof r.cancelAll === 'string'
      ? { kind: 'cancelAll', ticker: r.cancelAll }
      : { problem: `cancelAll is true or a ticker; got ${JSON.stringify(r.cancelAll)}` };
  }
  return undefined;
}

/** one open order as the strategy sees it */
export function openOrderView(o: Order, now = preciseNow()): OpenOrder {
  const view: OpenOrder = {
    clientOrderId: o.clientOrderId,
    ticker: o.ticker,
    side: o.side,
    orderType: o.orderType,
    action: o.action,
    quantity: o.quantity,
    filledQty: o.filledQty,
    remainingQty: o.quantity - o.filledQty,
    status: o.status,
    ageMs: now - o.decidedAt,
  };
  for (const key of ['limitPrice', 'stopPrice', 'trailPercent', 'trailPrice'] as const)
    if (o[key] !== undefined) view[key] = o[key];
  if (o.replaces !== undefined) view.replaces = o.replaces;
  return view;
}

export interface InstructionDeps {
  book: OrderRegistry;
  throttle: Throttle;
  pool: WorkerPool;
  view: PositionView;
  /** a rejected row of its own for a request that cannot be honoured */
  refuse(kind: 'cancel' | 'replace', target: Order | undefined, reason: string): void;
}

export class InstructionDesk {
  /** cancels asked for orders not yet acknowledged: sent when the ack arrives */
  private readonly cancelOnAck = new Set<string>();
  /** cancels the strategy asked for, whose refusal by the broker is the strategy's to read */
  private readonly asked = new Set<string>();

  constructor(private readonly d: InstructionDeps) {}

  /** carries out one instruction; returns the replacement order to route, if any */
  handle(i: Instruction, block: { blockId: string; leg: number; decidedAt: number }): Order | undefined {
    if (i.kind === 'cancelAll') {
      for (const o of this.d.book.open()) {
        if (i.ticker !== undefined && o.ticker !== i.ticker) continue;
        this.asked.add(o.clientOrderId);
        this.cancel(o);
      }
      return undefined;
    }
    const target = this.d.book.get(i.id);
    const what = i.kind === 'cancel' ? 'cancel' : 'replace';
    if (!target)
      return void this.d.refuse(what, undefined, `${what} of unknown order '${i.id}': not an order of this session`);
    if (isTerminal(target.status))
      return void this.d.refuse(what, target, `${what} of ${i.id} refused: the order is already ${target.status}`);
    if (i.kind === 'cancel') {
      this.asked.add(target.clientOrderId);
      return void this.cancel(target);
    }
    return this.replacement(target, i, block);
  }

  /** the execution worker's ack: a cancel asked for before it goes out now */
  acknowledged(order: Order): void {
    if (this.cancelOnAck.delete(order.clientOrderId) && !isTerminal(order.status)) this.d.pool.cancel(order);
  }

  /** the broker refused a cancel: a row for the strategy's own cancels (end-of-session ones are only logged) */
  cancelRefused(order: Order, reason: string): boolean {
    if (!this.asked.delete(order.clientOrderId)) return false;
    this.d.refuse('cancel', order, `cancel of ${order.clientOrderId} refused by the broker: ${reason}`);
    return true;
  }

  private cancel(order: Order): void {
    if (order.status === 'queued' && this.d.throttle.withdraw(order)) {
      this.d.book.move(order, 'canceled', {
        source: 'local',
        rawStatus: 'not_sent',
        reason: 'canceled by the strategy before it was sent',
      });
    } else if (!order.brokerOrderId) {
      this.cancelOnAck.add(order.clientOrderId); // on the wire: a cancel now could overtake the submit
    } else {
      this.d.pool.cancel(order);
    }
  }

  private replacement(
    target: Order,
    i: Extract<Instruction, { kind: 'replace' }>,
    block: { blockId: string; leg: number; decidedAt: number },
  ): Order | undefined {
    if (target.orderClass || target.legs)
      return void this.d.refuse(
        'replace',
        target,
        `replace of ${i.id} refused: the orders of a ${target.orderClass ?? 'bracket'} cannot be replaced; cancel and send again`,
      );
    if (!target.brokerOrderId || (target.status !== 'new' && target.status !== 'partially_filled')) {
      return void this.d.refuse(
        'replace',
        target,
        `replace of ${i.id} refused: the broker has not acknowledged it yet (${target.status}); replace it on a later tick`,
      );
    }
    const request = {
      ticker: target.ticker,
      side: target.side,
      orderType: target.orderType,
      action: target.action,
      timeInForce: target.timeInForce,
      quantity: i.quantity ?? target.quantity - target.filledQty,
      ...defined({
        limitPrice: i.limitPrice ?? target.limitPrice,
        stopPrice: i.stopPrice ?? target.stopPrice,
        trailPercent: target.trailPercent,
        trailPrice: target.trailPrice,
      }),
    };
    // the order being replaced stops closing anything once its replacement is in
    const closes = closesSide(target.action);
    const view: PositionView = {
      ...this.d.view,
      closingInFlight: (t, side) =>
        this.d.view.closingInFlight(t, side) -
        (t === target.ticker && side === closes ? target.quantity - target.filledQty : 0),
    };
    const verdict = checkOrder(request, view);
    if (!verdict.ok) return void this.d.refuse('replace', target, `replace of ${i.id} refused: ${verdict.reason}`);
    const order: Order = {
      ...verdict.order,
      legs: undefined,
      // the replacement carries the strategy id of the order it replaces
      clientOrderId: clientOrderId(verdict.order.action, target.workerId, strategyOf(target.clientOrderId)),
      replaces: target.clientOrderId,
      blockId: block.blockId,
      leg: block.leg,
      workerId: target.workerId,
      ...freshOrderState(block.decidedAt),
    };
    return order;
  }
}
