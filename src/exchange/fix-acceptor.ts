// The paper venue as a FIX 4.4 acceptor, so salvo's FIX initiator can be exercised against a
// venue that fills from real quotes. One listener on one address, any number of initiators,
// one venue: each order's ExecutionReports go to the counterparty (SenderCompID) that sent it,
// on whichever connection it has at the time (reports for a disconnected peer are not queued;
// it can ask with OrderStatusRequest).
//
//   NewOrderSingle(D)      → venue.submit; ExecutionReports from the venue's updates; a venue
//                            refusal is an ExecutionReport Rejected with Text(58). OrdType 1 market,
//                            2 limit (Price), 3 stop (StopPx), 4 stop limit (both); no trailing stop;
//                            CashOrderQty(152) without OrderQty is a notional order the venue sizes
//   OrderCancelRequest(F)  → venue.cancel; refused: OrderCancelReject(9) with Text(58)
//   OrderCancelReplaceRequest(G) → venue.replace: one ExecutionReport ExecType 5 (ClOrdID the
//                            replacement, OrigClOrdID the replaced order, OrdStatus of the
//                            replacement); refused: OrderCancelReject(9), CxlRejResponseTo 2
//   OrderStatusRequest(H)  → ExecutionReport ExecType I (unknown: OrdStatus 8, OrdRejReason 5)
//   a value FIX cannot map (OrdType, Side, TimeInForce) → Reject(3) with RefTagID and Text
//   any other application message → BusinessMessageReject(j)
// A replacement is a fresh order at the venue (see PaperVenue.replace): its CumQty starts at 0 and
// the replaced order keeps its fills, where FIX venues usually carry CumQty across the chain.
import net from 'node:net';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../brokers/broker.js';
import { execTypeFor, ORD_TYPE_FROM_FIX, ordStatusFor, Tag, TIF_FROM_FIX } from '../fix/codec.js';
import { isFinalAtBroker } from '../orders/status.js';
import {
  acceptedTransport,
  describeSession,
  engineConfig,
  PeerStores,
  SalvoFixSession,
  sessionRegistry,
  tagReader,
  type MsgView,
  type SessionHooks,
} from '../fix/engine.js';
import type { IJsFixConfig } from 'jspurefix';
import { describeError } from '../util/errors.js';
import { FixFramingGate } from './fix-framing.js';
import type { PaperVenue } from './venue.js';

export interface ServeFixOptions {
  host: '127.0.0.1' | (string & {});
  /** 0: any free port, reported back */
  port: number;
  /** this venue's CompID */
  senderCompId: string;
  /** the initiators' SenderCompID; '*' accepts any counterparty */
  targetCompId: string;
  /** when set, a Logon must carry this Username(553) / Password(554) */
  username?: string;
  password?: string;
  /** a connection that has not logged on by then is dropped (default 10) */
  logonTimeoutSeconds?: number;
}

interface Owned {
  peer: string;
  side: string;
  cancelId?: string;
  /** a replacement not yet announced: its first 'new' goes out as ExecType 5 naming this order */
  replaces?: string;
}

/** FIX OrdRejReason(103) for the venue's refusal codes */
const ORD_REJ_REASON: Record<string, string> = {
  unknown_symbol: '1',
  duplicate_client_order_id: '6',
  invalid_qty: '13',
  insufficient_buying_power: '3',
  insufficient_qty: '3',
  no_quote: '2',
  invalid_limit_price: '99',
};

/** what the message handlers share: the venue, who owns which order, and the report builder */
interface Desk {
  venue: PaperVenue;
  owned: Map<string, Owned>;
  execId(): string;
}

type Get = (tag: number) => unknown;
type Handler = (desk: Desk, session: SalvoFixSession, get: Get, seq: number) => void | Promise<void>;

/** the handlers per MsgType; anything else is answered with BusinessMessageReject(j) */
const HANDLERS: Readonly<Record<string, Handler>> = {
  D: onNewOrder,
  F: onCancel,
  G: onReplace,
  H: onStatusRequest,
};

function executionReport(desk: Desk, u: TradeUpdate, side: string, cancelId?: string): Record<string, unknown> {
  const o = u.order;
  const er: Record<string, unknown> = {
    OrderID: o.brokerOrderId || 'NONE',
    ClOrdID: cancelId ?? o.clientOrderId,
    ExecID: desk.execId(),
    ExecType: execTypeFor(u.event),
    OrdStatus: ordStatusFor(o.status),
    Instrument: { Symbol: o.ticker },
    Side: side,
    OrderQtyData: { OrderQty: o.quantity },
    LeavesQty: isFinalAtBroker(o.status) ? 0 : o.quantity - o.filledQty,
    CumQty: o.filledQty,
    AvgPx: o.filledAvgPrice,
    TransactTime: new Date(u.timestamp),
  };
  if (cancelId) er.OrigClOrdID = o.clientOrderId;
  if (u.fill) Object.assign(er, { LastQty: u.fill.qty, LastPx: u.fill.price });
  if (o.reason) er.Text = o.reason;
  return er;
}

/** a venue update as the ExecutionReport its owner hears, or nothing */
function reportUpdate(desk: Desk, live: Map<string, SalvoFixSession>, u: TradeUpdate): void {
  const mine = desk.owned.get(u.order.clientOrderId);
  if (!mine) return; // an order from another channel of the same venue
  // one ExecType 5 tells both halves of a replace: the replaced order's own update is not sent
  if (u.event === 'replaced') return;
  let er: Record<string, unknown>;
  if (mine.replaces !== undefined) {
    if (u.event === 'pending_new') return;
    er = { ...executionReport(desk, u, mine.side), ExecType: '5', OrigClOrdID: mine.replaces };
    mine.replaces = undefined;
  } else {
    er = executionReport(desk, u, mine.side, u.event === 'canceled' ? mine.cancelId : undefined);
  }
  live.get(mine.peer)?.sendApp('8', er);
}

/** the order terms of a D or G: a WireOrder, or the tag at fault and why */
function readOrder(get: Get): { order: WireOrder; side: string } | { tag: number; reason: number; text: string } {
  const id = get(Tag.ClOrdID);
  const ticker = get(Tag.Symbol);
  // a notional order (CashOrderQty, no OrderQty) is sized by the venue at its touch
  const cash = get(Tag.OrderQty) === undefined && get(Tag.CashOrderQty) !== undefined;
  const notional = cash ? Number(get(Tag.CashOrderQty)) : undefined;
  const quantity = cash ? 0 : Number(get(Tag.OrderQty));
  if (id === undefined || ticker === undefined || !(cash || quantity > 0)) {
    const tag = id === undefined ? Tag.ClOrdID : ticker === undefined ? Tag.Symbol : Tag.OrderQty;
    return { tag, reason: 1, text: `required tag missing or invalid: ${tag}` };
  }
  const side = String(get(Tag.Side));
  const ordType = String(get(Tag.OrdType));
  const tif = String(get(Tag.TimeInForce) ?? '0');
  if (!['1', '2', '5'].includes(side))
    return { tag: Tag.Side, reason: 5, text: `unsupported Side '${side}' (1 buy, 2 sell, 5 sell short)` };
  if (!Object.hasOwn(ORD_TYPE_FROM_FIX, ordType)) {
    const why = ordType === 'P' ? '; salvo takes no trailing (pegged) stop over FIX' : '';
    return {
      tag: Tag.OrdType,
      reason: 5,
      text: `unsupported OrdType '${ordType}' (1 market, 2 limit, 3 stop, 4 stop limit)${why}`,
    };
  }
  if (!Object.hasOwn(TIF_FROM_FIX, tif))
    return { tag: Tag.TimeInForce, reason: 5, text: `unsupported TimeInForce '${tif}' (0 day, 1 GTC, 3 IOC, 4 FOK)` };
  const order: WireOrder = {
    clientOrderId: String(id),
    ticker: String(ticker),
    quantity,
    side: side === '1' ? 'buy' : 'sell',
    orderType: ORD_TYPE_FROM_FIX[ordType],
    timeInForce: TIF_FROM_FIX[tif],
    action: side === '1' ? 'buy_long' : side === '5' ? 'short_sell' : 'sell_long',
  };
  if (notional !== undefined) order.notional = notional;
  // a missing price stays undefined, so the venue's reason says "got undefined", not NaN
  const price = (tag: number) => (get(tag) === undefined ? undefined : Number(get(tag)));
  if (order.orderType === 'limit' || order.orderType === 'stop_limit') order.limitPrice = price(Tag.Price);
  if (order.orderType === 'stop' || order.orderType === 'stop_limit') order.stopPrice = price(Tag.StopPx);
  return { order, side };
}

async function onNewOrder(desk: Desk, session: SalvoFixSession, get: Get, seq: number): Promise<void> {
  const read = readOrder(get);
  if (!('order' in read)) {
    session.sendApp('3', {
      RefSeqNum: seq,
      RefTagID: read.tag,
      RefMsgType: 'D',
      SessionRejectReason: read.reason,
      Text: read.text,
    });
    return;
  }
  const { order, side } = read;
  const earlier = desk.owned.get(order.clientOrderId);
  if (!earlier) desk.owned.set(order.clientOrderId, { peer: session.peerCompId, side });
  try {
    await desk.venue.submit(order);
  } catch (error) {
    if (!earlier) desk.owned.delete(order.clientOrderId);
    const refusal = error instanceof BrokerRejection ? error : undefined;
    const reason = refusal?.reason ?? `venue unavailable: ${(error as Error).message}`;
    const rejected: TradeUpdate = {
      event: 'rejected',
      timestamp: Date.now(),
      order: {
        ...order,
        brokerOrderId: '',
        status: 'rejected',
        rawStatus: 'rejected',
        filledQty: 0,
        filledAvgPrice: 0,
        reason,
      },
    };
    session.sendApp('8', {
      ...executionReport(desk, rejected, side),
      OrdRejReason: ORD_REJ_REASON[refusal?.code ?? ''] ?? '99',
    });
  }
}

/** OrderCancelReject(9) for a cancel (CxlRejResponseTo 1) or a replace (2) */
function cancelReject(
  desk: Desk,
  session: SalvoFixSession,
  ids: { clOrdId: string; orig: string; to: '1' | '2' },
  text: string,
  reason: string,
): void {
  const state = desk.venue.getOrder(ids.orig);
  session.sendApp('9', {
    OrderID: state?.brokerOrderId || 'NONE',
    ClOrdID: ids.clOrdId,
    OrigClOrdID: ids.orig,
    OrdStatus: state ? ordStatusFor(state.status) : '8',
    CxlRejResponseTo: ids.to,
    CxlRejReason: reason,
    Text: text,
  });
}

/** CxlRejReason(102) for a venue refusal of a cancel or replace */
const cxlRejReason = (error: unknown): string => {
  const code = error instanceof BrokerRejection ? error.code : undefined;
  return code === 'not_found' ? '1' : code === 'not_cancelable' || code === 'not_replaceable' ? '0' : '99';
};

async function onCancel(desk: Desk, session: SalvoFixSession, get: Get): Promise<void> {
  const ids = { orig: String(get(Tag.OrigClOrdID) ?? ''), clOrdId: String(get(Tag.ClOrdID) ?? ''), to: '1' as const };
  const mine = desk.owned.get(ids.orig);
  if (!mine || mine.peer !== session.peerCompId)
    return cancelReject(desk, session, ids, `unknown order '${ids.orig}'`, '1');
  mine.cancelId = ids.clOrdId;
  try {
    await desk.venue.cancel(ids.orig);
  } catch (error) {
    cancelReject(desk, session, ids, describeError(error), cxlRejReason(error));
  }
}

/** OrderCancelReplaceRequest(G): the venue's one-step replace; the answer is ExecType 5 (see reportUpdate) */
async function onReplace(desk: Desk, session: SalvoFixSession, get: Get, seq: number): Promise<void> {
  const read = readOrder(get);
  if (!('order' in read)) {
    session.sendApp('3', {
      RefSeqNum: seq,
      RefTagID: read.tag,
      RefMsgType: 'G',
      SessionRejectReason: read.reason,
      Text: read.text,
    });
    return;
  }
  const orig = String(get(Tag.OrigClOrdID) ?? '');
  const ids = { orig, clOrdId: read.order.clientOrderId, to: '2' as const };
  const mine = desk.owned.get(orig);
  if (!mine || mine.peer !== session.peerCompId)
    return cancelReject(desk, session, ids, `unknown order '${orig}'`, '1');
  if (desk.owned.has(ids.clOrdId))
    return cancelReject(desk, session, ids, `duplicate ClOrdID '${ids.clOrdId}': an order with this id exists`, '6');
  desk.owned.set(ids.clOrdId, { peer: session.peerCompId, side: read.side, replaces: orig });
  try {
    await desk.venue.replace({ ...read.order, replaces: orig });
  } catch (error) {
    desk.owned.delete(ids.clOrdId);
    cancelReject(desk, session, ids, describeError(error), cxlRejReason(error));
  }
}

function onStatusRequest(desk: Desk, session: SalvoFixSession, get: Get): void {
  const id = String(get(Tag.ClOrdID) ?? '');
  const mine = desk.owned.get(id);
  const state = mine?.peer === session.peerCompId ? desk.venue.getOrder(id) : undefined;
  if (state && mine) {
    session.sendApp('8', {
      ...executionReport(desk, { event: 'new', order: state, timestamp: Date.now() }, mine.side),
      ExecType: 'I',
    });
    return;
  }
  session.sendApp('8', {
    OrderID: 'NONE',
    ClOrdID: id,
    ExecID: desk.execId(),
    ExecType: 'I',
    OrdStatus: '8',
    OrdRejReason: '5',
    Instrument: { Symbol: String(get(Tag.Symbol) ?? '') },
    Side: String(get(Tag.Side) ?? '1'),
    LeavesQty: 0,
    CumQty: 0,
    AvgPx: 0,
    Text: `unknown order '${id}'`,
  });
}

/** one application message to its handler; whatever a handler throws is answered, never fatal */
function dispatch(desk: Desk, session: SalvoFixSession, msgType: string, view: MsgView): void {
  const seq = Number(view.getTyped(34));
  const refuse = (text: string) =>
    session.sendApp('j', { RefSeqNum: seq, RefMsgType: msgType, BusinessRejectReason: '0', Text: text });
  const handler = Object.hasOwn(HANDLERS, msgType) ? HANDLERS[msgType] : undefined;
  if (!handler) {
    if (msgType !== '3')
      session.sendApp('j', {
        RefSeqNum: seq,
        RefMsgType: msgType,
        BusinessRejectReason: '3',
        Text: `unsupported message type '${msgType}'`,
      });
    return;
  }
  try {
    void Promise.resolve(handler(desk, session, tagReader(view), seq)).catch((error: unknown) =>
      refuse(`could not process ${msgType}: ${describeError(error)}`),
    );
  } catch (error) {
    refuse(`could not process ${msgType}: ${describeError(error)}`);
  }
}

/** the logon check: this venue's CompID, the expected counterparty, and the credentials when set */
function vetLogon(options: ServeFixOptions, peer: Parameters<NonNullable<SessionHooks['vetLogon']>>[1]) {
  if (peer.targetCompId !== options.senderCompId)
    return `TargetCompID '${peer.targetCompId}' is not this venue ('${options.senderCompId}')`;
  if (options.targetCompId !== '*' && peer.compId !== options.targetCompId)
    return `unknown SenderCompID '${peer.compId}'`;
  const badUser = options.username !== undefined && peer.username !== options.username;
  const badPassword = options.password !== undefined && peer.password !== options.password;
  return badUser || badPassword ? `logon refused: invalid username or password for ${peer.compId}` : undefined;
}

/** the acceptor's connections: every session and socket, and the logon deadline of each session */
interface Connections {
  sessions: Set<SalvoFixSession>;
  sockets: Set<net.Socket>;
  logonDeadlines: WeakMap<SalvoFixSession, NodeJS.Timeout>;
  count: number;
}

/** one accepted socket: framing gate, logon deadline, and a session of its own */
function accept(config: IJsFixConfig, hooks: SessionHooks, conns: Connections, logonMs: number, socket: net.Socket) {
  socket.setNoDelay(true);
  conns.sockets.add(socket);
  // garbage, a late logon or a reset: the engine hears of it as a read error and stops the session
  const drop = (why: string) => {
    gate.destroy(new Error(why));
    socket.destroy();
  };
  const gate = new FixFramingGate('FIX.4.4', (problem) => drop(`garbage from the counterparty: ${problem}`));
  socket.on('error', (error) => drop(error.message));
  socket.pipe(gate);
  const transport = acceptedTransport(config, ++conns.count, socket, gate);
  const session = new SalvoFixSession(transport.config, hooks);
  conns.sessions.add(session);
  const deadline = setTimeout(() => drop(`no logon within ${logonMs / 1000} s`), logonMs);
  conns.logonDeadlines.set(session, deadline);
  socket.once('close', () => {
    clearTimeout(deadline);
    conns.sockets.delete(socket);
    if (!gate.destroyed) gate.end();
  });
  // the engine ends its transport itself after a short linger; this only bounds a session that stopped without doing so
  session
    .run(transport)
    .catch(() => undefined)
    .finally(() => setTimeout(() => socket.destroy(), 1000).unref());
}

export async function serveFix(
  venue: PaperVenue,
  options: ServeFixOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const config = await engineConfig(
    describeSession({
      type: 'acceptor',
      name: 'salvo-paper-fix',
      host: options.host,
      port: options.port,
      beginString: 'FIX.4.4',
      // always a wildcard to the engine, which then keys each session on the peer that logged on: with
      // a fixed target, any connection would claim (and stop) the expected peer's session before its
      // logon is checked. The expected SenderCompID is checked in vetLogon instead.
      senderCompId: options.senderCompId,
      targetCompId: '*',
      heartbeatSeconds: 30,
      resetSeqNum: false,
    }),
    new PeerStores(),
  );
  config.sessionRegistry = sessionRegistry();
  const live = new Map<string, SalvoFixSession>();
  const conns: Connections = { sessions: new Set(), sockets: new Set(), logonDeadlines: new WeakMap(), count: 0 };
  let execIds = 0;
  const desk: Desk = {
    venue,
    owned: new Map(),
    execId: () => `E${Date.now().toString(36)}-${(++execIds).toString(36)}`,
  };
  const unsubscribe = venue.onUpdate((u) => reportUpdate(desk, live, u));
  const hooks: SessionHooks = {
    vetLogon: (_, peer) => vetLogon(options, peer),
    ready: (session) => {
      clearTimeout(conns.logonDeadlines.get(session));
      live.get(session.peerCompId)?.requestStop('replaced by a new logon');
      live.set(session.peerCompId, session);
    },
    stopped: (session) => {
      conns.sessions.delete(session);
      if (live.get(session.peerCompId) === session) live.delete(session.peerCompId);
    },
    message: (session, msgType, view: MsgView) => dispatch(desk, session, msgType, view),
  };
  const logonMs = (options.logonTimeoutSeconds ?? 10) * 1000;
  const server = net.createServer((socket) => accept(config, hooks, conns, logonMs, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async close(): Promise<void> {
      unsubscribe();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of conns.sessions) session.finish();
      // peers get their Logout answered, briefly; then whatever is left is cut
      await new Promise((r) => setTimeout(r, conns.sessions.size ? 200 : 0));
      for (const session of conns.sessions) session.requestStop('venue closed');
      for (const socket of conns.sockets) socket.destroy();
      await closed;
    },
  };
}
