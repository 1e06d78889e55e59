// The owner of salvo's one FIX session (initiator): logs on, keeps the session up, and turns the
// Broker calls of every client into order-entry messages on that session.
//
// How the pool shares one session: the owner runs in its own thread (session-host.ts). The
// session's own client and each execution worker hold a MessagePort to it (fix-client.ts); a
// submit or cancel arriving on any port is encoded and written to the session at once, without
// waiting for earlier orders' answers, so the legs of a block are pipelined on the wire in the
// order they arrive. Answers are matched by ClOrdID (ExecutionReport, OrderCancelReject) or by the
// MsgSeqNum that carried the request (Reject, BusinessMessageReject), and trade updates go to
// every subscribed port.
//
// A replace is an OrderCancelReplaceRequest(G) under the replacement's own ClOrdID, answered by an
// ExecutionReport ExecType 5 (the old order ends 'replaced', the new one is working) or by an
// OrderCancelReject(9) with CxlRejResponseTo 2 (the replacement is rejected, the old one stays).
// Brackets, OTO and OCO orders are emulated here (group-emulation.ts): FIX has no order classes.
//
// getOrder answers from this owner's cache of ExecutionReports; for an order it has sent but not
// heard about, or one a resumed session recalled from its journal, it asks the peer with
// OrderStatusRequest(H), and stops asking once the peer rejects H (QuickFIX's example acceptors
// do): then the cache is all there is.
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTimeoutError,
  BrokerTransientError,
  type Broker,
  type BrokerAccount,
  type BrokerOrderState,
  type BrokerPosition,
  type MarketClock,
  type RecalledOrder,
  type SubmitAck,
  type TradeUpdate,
  type WireOrder,
} from '../broker.js';
import { preciseNow } from '../../orders/order.js';
import type { Log } from '../../util/log.js';
import { marketHours } from '../../market/market-hours.js';
import {
  newOrderSingle,
  orderCancelReplaceRequest,
  orderCancelRequest,
  orderStatusRequest,
  readExecReport,
  Tag,
  type ExecReport,
} from '../../fix/codec.js';
import type { FixBrokerConfig } from './config.js';
import {
  describeSession,
  dialTcp,
  engineConfig,
  SalvoFixSession,
  StoreKeeper,
  tagReader,
  type MsgView,
  type SessionHooks,
} from '../../fix/engine.js';
import type { IJsFixConfig } from 'jspurefix';
import { OrderCache, type Sent } from './order-cache.js';
import { isFinalAtBroker } from '../../orders/status.js';
import { Waiters } from './waiters.js';
import { GroupEmulation } from './group-emulation.js';

const SILENT: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class FixSessionOwner implements Broker {
  readonly name = 'fix';
  private readonly cache = new OrderCache();
  private readonly store: StoreKeeper;
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  private readonly submits: Waiters<SubmitAck>;
  private readonly cancels: Waiters<void>;
  private readonly queries: Waiters<BrokerOrderState | undefined>;
  private readonly groups = new GroupEmulation({
    submit: (order) => this.submit(order),
    cancel: (id) => this.cancel(id),
    emit: (update) => this.emit(update),
    log: (message) => this.log.warn(message),
  });
  private session?: SalvoFixSession;
  private abortDial?: () => void;
  /** the session of the current connection, logged on or not */
  private current?: SalvoFixSession;
  /** no more connection attempts: closed, or the first logon failed */
  private halted = false;
  private started?: Promise<void>;
  private firstLogon?: { ok(): void; fail(why: string): void };
  private everLoggedOn = false;
  private statusRequestUnsupported = false;
  private closed = false;
  /** the peer's last Logout Text(58): why a logon was refused or the session ended */
  lastLogoutText?: string;
  logons = 0;

  /** `log` hears of drops, the peer's Logout Text and reconnections (the session thread's goes to the session's log) */
  constructor(
    private readonly config: FixBrokerConfig,
    private readonly log: Log = SILENT,
  ) {
    this.store = new StoreKeeper(config.storePath);
    [this.submits, this.cancels, this.queries] = [
      new Waiters(config.requestTimeoutMs),
      new Waiters(config.requestTimeoutMs),
      new Waiters(config.requestTimeoutMs),
    ];
  }

  connect(): Promise<void> {
    return (this.started ??= new Promise<void>((resolve, reject) => {
      const c = this.config;
      // a little later than the connection attempts give up, so their reason is the one reported
      const timer = setTimeout(
        () => this.firstLogon?.fail(`no logon within ${c.connectTimeoutSeconds} s`),
        c.connectTimeoutSeconds * 1000 + 2000,
      );
      this.firstLogon = {
        ok: () => {
          clearTimeout(timer);
          this.firstLogon = undefined;
          resolve();
        },
        fail: (why) => {
          clearTimeout(timer);
          this.firstLogon = undefined;
          this.halted = true;
          this.abortDial?.();
          this.current?.requestStop(why);
          reject(
            new BrokerConnectError(
              `FIX logon to ${c.host}:${c.port} as ${c.senderCompId}→${c.targetCompId} failed: ${why}`,
            ),
          );
        },
      };
      void this.dial();
    }));
  }

  /** sequence numbers of the live session: last sent, last received */
  seqNums(): { sent: number; received: number } | undefined {
    return this.session && { sent: this.session.lastSentSeqNum(), received: this.session.lastPeerSeqNum() };
  }

  get loggedOn(): boolean {
    return this.session !== undefined;
  }

  /** `written`: when the NewOrderSingle was encoded onto the session's socket stream */
  async submit(order: WireOrder, written?: (at: number) => void): Promise<SubmitAck> {
    const body = newOrderSingle(order, this.config.beginString, this.config.account); // an unmappable order fails here, unsent
    const session = this.live();
    this.cache.sent(order);
    return this.submits.wait(order.clientOrderId, `NewOrderSingle ${order.clientOrderId}`, () =>
      session.sendApp('D', body, (error, seq) => {
        if (!error) written?.(preciseNow());
        this.sentOrFailed(this.submits, order.clientOrderId, error, seq, 'submit');
      }),
    );
  }

  /** OrderCancelReplaceRequest(G); the answer is the replacement's (see onExecutionReport) */
  async replace(order: WireOrder): Promise<SubmitAck> {
    const original = order.replaces === undefined ? undefined : this.cache.wire(order.replaces);
    if (!original)
      throw new BrokerRejection(`unknown order '${order.replaces}': not sent on this FIX session`, 'not_found');
    const state = this.cache.state(original.clientOrderId);
    if (state && isFinalAtBroker(state.status))
      throw new BrokerRejection(`order '${order.replaces}' is not replaceable: ${state.status}`, 'not_replaceable');
    const body = orderCancelReplaceRequest(order, original, this.config.beginString, this.config.account);
    const session = this.live();
    this.cache.sent(order);
    return this.submits.wait(order.clientOrderId, `OrderCancelReplaceRequest ${order.clientOrderId}`, () =>
      session.sendApp('G', body, (error, seq) =>
        this.sentOrFailed(this.submits, order.clientOrderId, error, seq, 'replace'),
      ),
    );
  }

  /** a bracket or OTO: the entry now, its exits once it fills; an OCO: both legs now (see group-emulation.ts) */
  submitGroup(order: WireOrder): Promise<SubmitAck> {
    return this.groups.submit(order);
  }

  async cancel(clientOrderId: string): Promise<void> {
    if (this.groups.cancelHeld(clientOrderId)) return;
    const wire = this.cache.wire(clientOrderId);
    if (!wire) throw new BrokerRejection(`unknown order '${clientOrderId}': not sent on this FIX session`, 'not_found');
    const state = this.cache.state(clientOrderId);
    if (state && isFinalAtBroker(state.status))
      throw new BrokerRejection(`order '${clientOrderId}' is not cancelable: ${state.status}`, 'not_cancelable');
    const session = this.live();
    const body = orderCancelRequest(
      wire,
      this.cache.cancelIdFor(clientOrderId),
      this.config.beginString,
      this.config.account,
    );
    return this.cancels.wait(clientOrderId, `OrderCancelRequest ${clientOrderId}`, () =>
      session.sendApp('F', body, (error, seq) => this.sentOrFailed(this.cancels, clientOrderId, error, seq, 'cancel')),
    );
  }

  async getOrder(clientOrderId: string): Promise<BrokerOrderState | undefined> {
    const known = this.cache.state(clientOrderId) ?? this.groups.heldOrder(clientOrderId);
    const wire = this.cache.wire(clientOrderId);
    if (known || !wire || this.statusRequestUnsupported) return known;
    const session = this.live();
    return this.queries.wait(clientOrderId, `OrderStatusRequest ${clientOrderId}`, () =>
      session.sendApp('H', orderStatusRequest(wire, this.config.beginString), (error, seq) =>
        this.sentOrFailed(this.queries, clientOrderId, error, seq, 'status'),
      ),
    );
  }

  /** a resumed session's journaled orders: getOrder can then ask the peer about them (see OrderCache.recall) */
  async recall(orders: RecalledOrder[]): Promise<void> {
    this.cache.recall(orders);
  }

  async openOrders(): Promise<BrokerOrderState[]> {
    return [...this.cache.open(), ...this.groups.held()];
  }

  /** net of the fills this session has seen: FIX order entry has no position query the peers share */
  async positions(): Promise<BrokerPosition[]> {
    return this.cache.positions();
  }

  /** FIX order entry carries no account data */
  async account(): Promise<BrokerAccount> {
    return { cash: Number.NaN, equity: Number.NaN, buyingPower: Number.NaN, currency: '' };
  }

  /** the peer has no market clock: local time and the configured close, as the paper venue */
  async clock(): Promise<MarketClock> {
    const now = Date.now();
    const h = marketHours(this.config, now);
    return { now: new Date(now), isOpen: h.isOpen, nextOpen: new Date(h.nextOpen), nextClose: new Date(h.nextClose) };
  }

  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.firstLogon?.fail('broker closed');
    this.halted = true;
    const session = this.session;
    if (session) {
      // a Logout and its answer, briefly: the peer then knows this was no crash
      const gone = new Promise<void>((resolve) => session.once('done', resolve).once('error', () => resolve()));
      session.finish();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.abortDial?.();
    this.current?.requestStop('broker closed');
    this.failPending(() => new Error('FIX broker closed'));
    this.listeners.clear();
    await this.store.close();
  }

  private describe(): string {
    const c = this.config;
    return `FIX session ${c.senderCompId}→${c.targetCompId} at ${c.host}:${c.port}`;
  }

  private live(): SalvoFixSession {
    if (this.closed) throw new Error('FIX broker is closed');
    if (!this.session)
      throw new BrokerTransientError(
        `FIX session to ${this.config.host}:${this.config.port} is not logged on (reconnecting)`,
      );
    return this.session;
  }

  /** connect, log on, run; after a drop or a Logout, again, until close() */
  private async dial(): Promise<void> {
    const c = this.config;
    let config: IJsFixConfig;
    try {
      config = await engineConfig(
        describeSession({
          type: 'initiator',
          name: `salvo-${c.senderCompId}`,
          host: c.host,
          port: c.port,
          beginString: c.beginString,
          senderCompId: c.senderCompId,
          targetCompId: c.targetCompId,
          username: c.username,
          password: c.password,
          heartbeatSeconds: c.heartbeatSeconds,
          resetSeqNum: c.resetSeqNumOnLogon ?? !c.storePath,
          reconnectSeconds: c.reconnectSeconds,
        }),
        this.store,
      );
    } catch (error) {
      this.firstLogon?.fail(`FIX engine did not start: ${(error as Error).message}`);
      return;
    }
    while (!this.halted) {
      const attempt = dialTcp(config, c.connectTimeoutSeconds);
      this.abortDial = attempt.abort;
      let failure: string | undefined;
      let connected = false;
      try {
        const transport = await attempt.transport;
        connected = true;
        if (this.halted) {
          transport.end();
          return;
        }
        this.current = new SalvoFixSession(config, this.hooks);
        await this.current.run(transport);
      } catch (error) {
        failure = (error as Error).message;
      }
      this.current = undefined;
      if (this.halted) return;
      if (!this.everLoggedOn) {
        // e.g. QuickFIX hangs up without a word on CompIDs it does not know
        this.firstLogon?.fail(
          this.lastLogoutText ??
            (connected
              ? `the peer closed the connection during logon (${failure ?? 'no Logout'})`
              : `cannot connect: ${failure}`),
        );
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, c.reconnectSeconds * 1000);
        this.abortDial = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private readonly hooks: SessionHooks = {
    ready: (session) => {
      this.session = session;
      if (this.everLoggedOn)
        this.log.info(
          `${this.describe()} logged on again, sequence numbers ${session.lastSentSeqNum()} sent / ${session.lastPeerSeqNum()} received`,
        );
      this.everLoggedOn = true;
      this.logons++;
      this.lastLogoutText = undefined;
      this.firstLogon?.ok();
    },
    logout: (_, text) => {
      this.lastLogoutText = text;
    },
    stopped: (session) => {
      if (this.session !== session) return;
      this.session = undefined;
      if (!this.closed) {
        const why = this.lastLogoutText ? `the peer logged out: "${this.lastLogoutText}"` : 'the connection dropped';
        this.log.warn(`${this.describe()} ended (${why}); reconnecting every ${this.config.reconnectSeconds} s`);
      }
      // what was on the wire may or may not have reached the peer
      this.failPending(() => new BrokerTimeoutError('FIX session dropped before the answer: outcome unknown'));
    },
    message: (_, msgType, view) => this.receive(msgType, view),
  };

  private receive(msgType: string, view: MsgView): void {
    const get = tagReader(view);
    const text = (fallback: string) => String(get(Tag.Text) ?? fallback);
    if (msgType === '8') this.onExecutionReport(view);
    else if (msgType === '3') {
      const tag = get(Tag.RefTagID);
      const reason = `${text(`session reject reason ${String(get(Tag.SessionRejectReason))}`)}${tag ? ` (tag ${String(tag)})` : ''}`;
      this.refused(
        this.cache.carriedBy(Number(get(Tag.RefSeqNum))),
        reason,
        `session_reject_${String(get(Tag.SessionRejectReason) ?? '')}`,
      );
    } else if (msgType === 'j') {
      const sent =
        this.cache.carriedBy(Number(get(Tag.RefSeqNum))) ??
        (this.submits.has(String(get(Tag.BusinessRejectRefID)))
          ? { kind: 'submit' as const, clientOrderId: String(get(Tag.BusinessRejectRefID)) }
          : undefined);
      this.refused(
        sent,
        text(`business reject reason ${String(get(Tag.BusinessRejectReason))}`),
        `business_reject_${String(get(Tag.BusinessRejectReason) ?? '')}`,
      );
    } else if (msgType === '9') {
      const id = this.cache.orderOf(String(get(Tag.ClOrdID) ?? ''), get(Tag.OrigClOrdID) as string | undefined);
      const code = `cxl_rej_reason_${String(get(Tag.CxlRejReason) ?? '')}`;
      // a refused replace: the replacement (its own ClOrdID) is rejected, the order it named stays
      if (String(get(Tag.CxlRejResponseTo)) === '2')
        this.refused({ kind: 'replace', clientOrderId: id }, text('replace rejected by the FIX peer'), code);
      else this.cancels.reject(id, new BrokerRejection(text('cancel rejected by the FIX peer'), code));
    }
  }

  private onExecutionReport(view: MsgView): void {
    let er = readExecReport(tagReader(view));
    if (er.execType === '5' && er.origClOrdId !== undefined) er = this.onReplaced(er, er.origClOrdId);
    const id = this.cache.orderOf(er.clOrdId, er.origClOrdId);
    if (er.execType === 'I' && er.ordStatus === '8' && er.ordRejReason === '5') {
      this.queries.resolve(id, undefined); // "unknown order": the peer never got it
      return;
    }
    const update = this.cache.apply(er, id);
    if (!update) return;
    this.groups.annotate(update);
    this.emit(update);
    this.groups.after(update);
    const { status, reason, rawStatus } = update.order;
    this.queries.resolve(id, { ...update.order });
    if (status === 'rejected')
      this.submits.reject(
        id,
        new BrokerRejection(
          reason ?? 'rejected by the FIX peer',
          er.ordRejReason && `ord_rej_reason_${er.ordRejReason}`,
        ),
      );
    else this.submits.resolve(id, { brokerOrderId: er.orderId, status, rawStatus });
    // a fill racing a cancel is answered by the peer's OrderCancelReject, whose Text says why
    if (status === 'canceled' || status === 'expired') this.cancels.resolve(id, undefined);
  }

  /**
   * ExecType 5: the order OrigClOrdID names ends 'replaced'; the report itself is the replacement's
   * first word, a working order whatever OrdStatus the venue gives it. What it says was filled
   * then belongs to the replaced order (venues that carry CumQty across a replace chain report it
   * there), so the replacement's fills are counted from there on.
   */
  private onReplaced(er: ExecReport, replaced: string): ExecReport {
    const update = this.cache.replaced(this.cache.orderOf(replaced), er.clOrdId, er);
    if (update) this.emit(update);
    return { ...er, execType: '0', ordStatus: er.ordStatus === '5' ? '0' : er.ordStatus, origClOrdId: undefined };
  }

  private emit(update: TradeUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  /** the peer refused a request outright (Reject, BusinessMessageReject, a replace's OrderCancelReject) */
  private refused(sent: Sent | undefined, reason: string, code: string): void {
    if (!sent) return;
    const id = sent.clientOrderId;
    if (sent.kind === 'submit' || sent.kind === 'replace') {
      const update = this.cache.refused(id, reason, code.toUpperCase());
      if (update) {
        this.emit(update);
        this.groups.after(update);
      }
      this.submits.reject(id, new BrokerRejection(reason, code));
    } else if (sent.kind === 'cancel') {
      this.cancels.reject(id, new BrokerRejection(reason, code));
    } else {
      this.statusRequestUnsupported = true;
      this.queries.resolve(id, this.cache.state(id));
    }
  }

  private sentOrFailed<T>(
    waiters: Waiters<T>,
    id: string,
    error: Error | null,
    seq: number | undefined,
    kind: Sent['kind'],
  ): void {
    // not encoded or no transport: nothing reached the peer, so trying again is safe
    if (error) waiters.reject(id, new BrokerTransientError(`FIX ${kind} ${id} not sent: ${error.message}`));
    else this.cache.carried(seq, { kind, clientOrderId: id });
  }

  private failPending(error: () => Error): void {
    for (const waiters of [this.submits, this.cancels, this.queries] as Array<Waiters<unknown>>)
      waiters.rejectAll(error);
  }
}
