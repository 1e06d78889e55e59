// The paper venue as a FIX 4.4 acceptor, so salvo's FIX initiator can be exercised against a
// venue that fills from real quotes. One listener on one address, any number of initiators,
// one venue: each order's ExecutionReports go to the counterparty (SenderCompID) that sent it,
// on whichever connection it has at the time (reports for a disconnected peer are not queued;
// it can ask with OrderStatusRequest).
//
//   NewOrderSingle(D)      → venue.submit; ExecutionReports from the venue's updates; a venue
//                            refusal is an ExecutionReport Rejected with Text(58)
//   OrderCancelRequest(F)  → venue.cancel; refused: OrderCancelReject(9) with Text(58)
//   OrderStatusRequest(H)  → ExecutionReport ExecType I (unknown: OrdStatus 8, OrdRejReason 5)
//   a value FIX cannot map (OrdType, Side, TimeInForce) → Reject(3) with RefTagID and Text
//   any other application message → BusinessMessageReject(j)
import net from 'node:net';
import { BrokerRejection, type TradeUpdate, type WireOrder } from '../brokers/broker.js';
import { execTypeFor, ordStatusFor, Tag, TIF_FROM_FIX } from '../brokers/fix/codec.js';
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
} from '../brokers/fix/engine.js';
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
  const owned = new Map<string, Owned>();
  const sessions = new Set<SalvoFixSession>();
  let execIds = 0;
  const execId = () => `E${Date.now().toString(36)}-${(++execIds).toString(36)}`;

  const executionReport = (u: TradeUpdate, side: string, cancelId?: string): Record<string, unknown> => {
    const o = u.order;
    const er: Record<string, unknown> = {
      OrderID: o.brokerOrderId || 'NONE',
      ClOrdID: cancelId ?? o.clientOrderId,
      ExecID: execId(),
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
  };

  const unsubscribe = venue.onUpdate((u) => {
    const mine = owned.get(u.order.clientOrderId);
    if (!mine) return; // an order from another channel of the same venue
    const cancelId = u.event === 'canceled' ? mine.cancelId : undefined;
    live.get(mine.peer)?.sendApp('8', executionReport(u, mine.side, cancelId));
  });

  const onNewOrder = async (session: SalvoFixSession, get: (tag: number) => unknown, seq: number): Promise<void> => {
    const refuse = (tag: number, reason: number, text: string) =>
      session.sendApp('3', { RefSeqNum: seq, RefTagID: tag, RefMsgType: 'D', SessionRejectReason: reason, Text: text });
    const id = get(Tag.ClOrdID);
    const ticker = get(Tag.Symbol);
    const quantity = Number(get(Tag.OrderQty));
    if (id === undefined || ticker === undefined || !(quantity > 0)) {
      const tag = id === undefined ? Tag.ClOrdID : ticker === undefined ? Tag.Symbol : Tag.OrderQty;
      return refuse(tag, 1, `required tag missing or invalid: ${tag}`);
    }
    const side = String(get(Tag.Side));
    const ordType = String(get(Tag.OrdType));
    const tif = String(get(Tag.TimeInForce) ?? '0');
    if (!['1', '2', '5'].includes(side))
      return refuse(Tag.Side, 5, `unsupported Side '${side}' (1 buy, 2 sell, 5 sell short)`);
    if (ordType !== '1' && ordType !== '2')
      return refuse(Tag.OrdType, 5, `unsupported OrdType '${ordType}' (1 market, 2 limit)`);
    if (!Object.hasOwn(TIF_FROM_FIX, tif))
      return refuse(Tag.TimeInForce, 5, `unsupported TimeInForce '${tif}' (0 day, 1 GTC, 3 IOC, 4 FOK)`);
    const order: WireOrder = {
      clientOrderId: String(id),
      ticker: String(ticker),
      quantity,
      side: side === '1' ? 'buy' : 'sell',
      orderType: ordType === '2' ? 'limit' : 'market',
      timeInForce: TIF_FROM_FIX[tif],
      action: side === '1' ? 'buy_long' : side === '5' ? 'short_sell' : 'sell_long',
    };
    if (ordType === '2') order.limitPrice = Number(get(Tag.Price));
    const earlier = owned.get(order.clientOrderId);
    if (!earlier) owned.set(order.clientOrderId, { peer: session.peerCompId, side });
    try {
      await venue.submit(order);
    } catch (error) {
      if (!earlier) owned.delete(order.clientOrderId);
      const refusal = error instanceof BrokerRejection ? error : undefined;
      const reason = refusal?.reason ?? `venue unavailable: ${(error as Error).message}`;
      session.sendApp('8', {
        ...executionReport(
          {
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
          },
          side,
        ),
        OrdRejReason: ORD_REJ_REASON[refusal?.code ?? ''] ?? '99',
      });
    }
  };

  const onCancel = async (session: SalvoFixSession, get: (tag: number) => unknown): Promise<void> => {
    const orig = String(get(Tag.OrigClOrdID) ?? '');
    const cancelId = String(get(Tag.ClOrdID) ?? '');
    const mine = owned.get(orig);
    const cancelReject = (text: string, reason: string) => {
      const state = venue.getOrder(orig);
      session.sendApp('9', {
        OrderID: state?.brokerOrderId || 'NONE',
        ClOrdID: cancelId,
        OrigClOrdID: orig,
        OrdStatus: state ? ordStatusFor(state.status) : '8',
        CxlRejResponseTo: '1',
        CxlRejReason: reason,
        Text: text,
      });
    };
    if (!mine || mine.peer !== session.peerCompId) return cancelReject(`unknown order '${orig}'`, '1');
    mine.cancelId = cancelId;
    try {
      await venue.cancel(orig);
    } catch (error) {
      const code = error instanceof BrokerRejection ? error.code : undefined;
      cancelReject(
        error instanceof BrokerRejection ? error.reason : (error as Error).message,
        code === 'not_found' ? '1' : code === 'not_cancelable' ? '0' : '99',
      );
    }
  };

  const onStatusRequest = (session: SalvoFixSession, get: (tag: number) => unknown): void => {
    const id = String(get(Tag.ClOrdID) ?? '');
    const mine = owned.get(id);
    const state = mine?.peer === session.peerCompId ? venue.getOrder(id) : undefined;
    if (state) {
      session.sendApp('8', {
        ...executionReport({ event: 'new', order: state, timestamp: Date.now() }, mine!.side),
        ExecType: 'I',
      });
      return;
    }
    session.sendApp('8', {
      OrderID: 'NONE',
      ClOrdID: id,
      ExecID: execId(),
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
  };

  const hooks: SessionHooks = {
    vetLogon: (_, peer) => {
      if (peer.targetCompId !== options.senderCompId)
        return `TargetCompID '${peer.targetCompId}' is not this venue ('${options.senderCompId}')`;
      if (options.targetCompId !== '*' && peer.compId !== options.targetCompId)
        return `unknown SenderCompID '${peer.compId}'`;
      const badUser = options.username !== undefined && peer.username !== options.username;
      const badPassword = options.password !== undefined && peer.password !== options.password;
      return badUser || badPassword ? `logon refused: invalid username or password for ${peer.compId}` : undefined;
    },
    ready: (session) => {
      clearTimeout(logonDeadlines.get(session));
      live.get(session.peerCompId)?.requestStop('replaced by a new logon');
      live.set(session.peerCompId, session);
    },
    stopped: (session) => {
      sessions.delete(session);
      if (live.get(session.peerCompId) === session) live.delete(session.peerCompId);
    },
    message: (session, msgType, view: MsgView) => {
      const get = tagReader(view);
      const seq = Number(view.getTyped(34));
      if (msgType === 'D') void onNewOrder(session, get, seq);
      else if (msgType === 'F') void onCancel(session, get);
      else if (msgType === 'H') onStatusRequest(session, get);
      else if (msgType !== '3') {
        session.sendApp('j', {
          RefSeqNum: seq,
          RefMsgType: msgType,
          BusinessRejectReason: '3',
          Text: `unsupported message type '${msgType}'`,
        });
      }
    },
  };

  let connections = 0;
  const sockets = new Set<net.Socket>();
  const logonDeadlines = new WeakMap<SalvoFixSession, NodeJS.Timeout>();
  const logonMs = (options.logonTimeoutSeconds ?? 10) * 1000;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    // garbage, a late logon or a reset: the engine hears of it as a read error and stops the session
    const drop = (why: string) => {
      gate.destroy(new Error(why));
      socket.destroy();
    };
    const gate = new FixFramingGate('FIX.4.4', (problem) => drop(`garbage from the counterparty: ${problem}`));
    socket.on('error', (error) => drop(error.message));
    socket.pipe(gate);
    const transport = acceptedTransport(config, ++connections, socket, gate);
    const session = new SalvoFixSession(transport.config, hooks);
    sessions.add(session);
    const deadline = setTimeout(() => drop(`no logon within ${logonMs / 1000} s`), logonMs);
    logonDeadlines.set(session, deadline);
    socket.once('close', () => {
      clearTimeout(deadline);
      sockets.delete(socket);
      if (!gate.destroyed) gate.end();
    });
    // the engine ends its transport itself after a short linger; this only bounds a session that stopped without doing so
    session
      .run(transport)
      .catch(() => undefined)
      .finally(() => setTimeout(() => socket.destroy(), 1000).unref());
  });
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
      for (const session of sessions) session.finish();
      // peers get their Logout answered, briefly; then whatever is left is cut
      await new Promise((r) => setTimeout(r, sessions.size ? 200 : 0));
      for (const session of sessions) session.requestStop('venue closed');
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
