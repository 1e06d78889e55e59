// Brackets, OTO and OCO orders over FIX, emulated by salvo: FIX 4.4 order entry has no order classes,
// so the FIX session owner sends the entry alone and holds the exits itself ('held', as the paper
// venue shows them), then sends them as plain orders once the entry is done filling:
//   - the exits are placed when the entry is completely filled, or, if it ends early (canceled,
//     expired) after a partial fill, for the quantity it filled; an entry that ends with no fill
//     ends its held exits 'canceled', never sent;
//   - a bracket's two exits are an OCO kept by salvo: the first fill of either (partial or
//     complete) cancels its sibling, and the one that filled keeps working for the rest. Between
//     that fill and the venue's answer to the cancel both exits are live, so a market that jumps
//     through both prices in one round trip can fill both: the venue never knew they were linked;
//   - canceling a held exit cancels the rest of its group (the entry too), as the paper venue does.
// An OCO (a take-profit limit and its stop-loss, closing a position) has no entry to wait for: the
// take-profit goes first and its stop-loss as soon as the venue has taken it (one round trip
// later), so a take-profit the venue refuses refuses the group whole with nothing left working;
// from then on the sibling rule above holds (a stop-loss the venue refuses cancels the take-profit).
// What salvo holds lives in this process only: if the runner dies after the entry filled and
// before the exits were sent, nothing protects the position. The journal has the exits (they are
// journaled with their entry), but a resume does not place them: resume over FIX is refused today,
// and where it exists the venue has never heard of them; the trader places new exits.
import {
  BrokerRejection,
  BrokerTimeoutError,
  type BrokerOrderState,
  type SubmitAck,
  type TradeUpdate,
  type WireOrder,
} from '../broker.js';
import { isFinalAtBroker } from '../../orders/status.js';
import { fixOrdType } from '../../fix/codec.js';

/** what the emulation needs of the FIX session owner */
export interface GroupVenue {
  submit(order: WireOrder): Promise<SubmitAck>;
  cancel(clientOrderId: string): Promise<void>;
  /** an update salvo makes itself, for an exit the venue does not hold */
  emit(update: TradeUpdate): void;
  log(message: string): void;
}

type Emulated = 'bracket' | 'oto' | 'oco';

interface Group {
  orderClass: Emulated;
  /** an OCO's take-profit stands here as the parent of its stop-loss (and is also an exit) */
  entry: WireOrder;
  exits: WireOrder[];
  /** exits salvo holds until the entry is done, with the state salvo reports for them */
  held: Map<string, BrokerOrderState>;
  entryDone: boolean;
  /** why the group is closing, once a fill or an end of one exit (or a cancel) closed it */
  closing?: string;
}

const EPS = 1e-9;
/** an exit the session could not send (not logged on): tried again this often, this many times */
const PLACE_RETRY_MS = 500;
const PLACE_ATTEMPTS = 20;

export class GroupEmulation {
  /** every member's client order id → its group */
  private readonly groups = new Map<string, Group>();
  /** salvo's reasons for the cancels it sends itself, added to the venue's 'canceled' report */
  private readonly reasons = new Map<string, string>();

  constructor(private readonly venue: GroupVenue) {}

  /** the entry goes to the venue; its exits are held here (refused as a whole if FIX cannot carry one) */
  async submit(order: WireOrder): Promise<SubmitAck> {
    const { legs = [], orderClass = 'bracket', ...entry } = order;
    for (const exit of legs) fixOrdType(exit.orderType);
    if (orderClass !== 'bracket' && orderClass !== 'oto' && orderClass !== 'oco')
      throw new BrokerRejection(`FIX: no emulation for order class '${orderClass}'`, 'invalid_order_class');
    if (orderClass === 'oco') return this.submitOco(entry, legs);
    const g: Group = { orderClass, entry, exits: legs, held: new Map(), entryDone: false };
    for (const exit of legs) g.held.set(exit.clientOrderId, heldState(exit, entry.clientOrderId, orderClass));
    for (const id of [entry.clientOrderId, ...legs.map((e) => e.clientOrderId)]) this.groups.set(id, g);
    // said before the entry can fill, so the exits' rows start held
    for (const state of g.held.values())
      this.venue.emit({ event: 'pending_new', order: { ...state }, timestamp: Date.now() });
    try {
      return await this.venue.submit(entry);
    } catch (error) {
      // refused: the session ends the exits with their entry; a lost answer keeps the group
      if (!(error instanceof BrokerTimeoutError)) g.held.clear();
      throw error;
    }
  }

  /** an OCO: the take-profit now, its stop-loss once the venue took it (nothing held, no entry to wait for) */
  private async submitOco(takeProfit: WireOrder, legs: WireOrder[]): Promise<SubmitAck> {
    // the take-profit stands in for the entry (the group's parent); the stop-loss joins once it is sent,
    // so a refused take-profit has no sibling to cancel
    const g: Group = { orderClass: 'oco', entry: takeProfit, exits: [takeProfit], held: new Map(), entryDone: true };
    this.groups.set(takeProfit.clientOrderId, g);
    const ack = await this.venue.submit(takeProfit);
    for (const leg of legs) {
      g.exits.push(leg);
      this.groups.set(leg.clientOrderId, g);
      // a take-profit that filled (or ended) before its ack was handled: the stop-loss is never sent
      if (g.closing) this.venue.emit(ended(heldState(leg, takeProfit.clientOrderId, 'oco'), 'canceled', g.closing));
      else void this.send(g, leg, 1);
    }
    return ack;
  }

  /** a held exit's state, for getOrder */
  heldOrder(clientOrderId: string): BrokerOrderState | undefined {
    const state = this.groups.get(clientOrderId)?.held.get(clientOrderId);
    return state && { ...state };
  }

  held(): BrokerOrderState[] {
    const all = new Set(this.groups.values());
    return [...all].flatMap((g) => [...g.held.values()].map((s) => ({ ...s })));
  }

  /** a cancel of a held exit: ends the group here (and cancels its entry at the venue); false for any other order */
  cancelHeld(clientOrderId: string): boolean {
    const g = this.groups.get(clientOrderId);
    if (!g?.held.has(clientOrderId)) return false;
    g.closing = `${g.orderClass}: ${clientOrderId} canceled before its entry filled`;
    this.endHeld(g, g.closing);
    if (!g.entryDone) this.cancelMember(g.entry.clientOrderId, g.closing);
    return true;
  }

  /** before an update from the venue is passed on: a cancel salvo sent says why */
  annotate(update: TradeUpdate): void {
    const why = this.reasons.get(update.order.clientOrderId);
    if (why === undefined || update.order.status !== 'canceled') return;
    this.reasons.delete(update.order.clientOrderId);
    update.order.reason ??= why;
  }

  /** after an update from the venue: what the group's rules make of it */
  after(update: TradeUpdate): void {
    const s = update.order;
    const g = this.groups.get(s.clientOrderId);
    if (!g) return;
    // an OCO's take-profit is its parent, not an entry: it is one of the two exits
    if (s.clientOrderId === g.entry.clientOrderId && g.orderClass !== 'oco') this.afterEntry(g, s);
    else this.afterExit(g, s);
  }

  private afterEntry(g: Group, s: BrokerOrderState): void {
    if (!isFinalAtBroker(s.status) || g.entryDone) return;
    g.entryDone = true;
    if (s.filledQty > EPS && !g.closing) this.place(g, s.filledQty);
    else this.endHeld(g, `${g.orderClass} entry ${s.clientOrderId} ${s.status} unfilled: its exits were never sent`);
  }

  private afterExit(g: Group, s: BrokerOrderState): void {
    if (g.closing) return;
    if (s.filledQty > EPS)
      g.closing = `${g.orderClass}: sibling ${s.clientOrderId} ${s.status === 'filled' ? 'filled' : 'partially filled'}`;
    else if (isFinalAtBroker(s.status)) g.closing = `${g.orderClass}: sibling ${s.clientOrderId} ${s.status}`;
    else return;
    for (const other of g.exits)
      if (other.clientOrderId !== s.clientOrderId) this.cancelMember(other.clientOrderId, g.closing);
  }

  /** the entry is done: its exits go out for what it filled */
  private place(g: Group, qty: number): void {
    for (const exit of g.exits) {
      if (!g.held.delete(exit.clientOrderId)) continue;
      void this.send(g, { ...exit, quantity: qty }, 1);
    }
  }

  private async send(g: Group, exit: WireOrder, attempt: number): Promise<void> {
    try {
      await this.venue.submit(exit);
    } catch (error) {
      // a refusal came with its own rejected update; a lost answer is the venue's to tell later
      if (error instanceof BrokerRejection || error instanceof BrokerTimeoutError) return;
      if (g.closing)
        return void this.venue.emit(ended(heldState(exit, g.entry.clientOrderId, g.orderClass), 'canceled', g.closing));
      if (attempt < PLACE_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, PLACE_RETRY_MS));
        return this.send(g, exit, attempt + 1);
      }
      const reason = `${g.orderClass} exit not placed after ${attempt} attempt(s): ${(error as Error).message}`;
      this.venue.log(`${exit.clientOrderId}: ${reason}`);
      this.venue.emit(ended(heldState(exit, g.entry.clientOrderId, g.orderClass), 'rejected', reason));
    }
  }

  private cancelMember(clientOrderId: string, reason: string): void {
    const g = this.groups.get(clientOrderId);
    if (g?.held.has(clientOrderId)) {
      this.endHeld(g, reason, clientOrderId);
      return;
    }
    this.reasons.set(clientOrderId, reason);
    this.venue.cancel(clientOrderId).catch((error: Error) => {
      this.reasons.delete(clientOrderId);
      this.venue.log(`${clientOrderId}: ${reason}, but its cancel failed (${error.message})`);
    });
  }

  /** ends held exits (one, or all) 'canceled' without sending them */
  private endHeld(g: Group, reason: string, only?: string): void {
    for (const [id, state] of g.held) {
      if (only !== undefined && id !== only) continue;
      g.held.delete(id);
      this.venue.emit(ended(state, 'canceled', reason));
    }
  }
}

function heldState(exit: WireOrder, parentId: string, orderClass: Emulated): BrokerOrderState {
  return {
    clientOrderId: exit.clientOrderId,
    brokerOrderId: '',
    ticker: exit.ticker,
    side: exit.side,
    quantity: exit.quantity,
    status: 'held',
    rawStatus: 'HELD_BY_SALVO',
    filledQty: 0,
    filledAvgPrice: 0,
    orderType: exit.orderType,
    limitPrice: exit.limitPrice,
    stopPrice: exit.stopPrice,
    orderClass,
    parentId,
  };
}

function ended(state: BrokerOrderState, status: 'canceled' | 'rejected', reason: string): TradeUpdate {
  return {
    event: status,
    order: { ...state, status, rawStatus: status === 'canceled' ? 'CANCELED_BY_SALVO' : 'NOT_PLACED', reason },
    timestamp: Date.now(),
  };
}
