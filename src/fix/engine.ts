// The one place that touches jspurefix: loading it, a session class that hands everything to
// plain callbacks, connections, and the session store. Loading the engine costs
// about a second (its dependency tree), so only the FIX session thread and the paper venue's
// acceptor import this module; execution workers never do.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { writePerTurn, type Corkable } from '../util/write-per-turn.js';
import type * as Jsf from 'jspurefix';
import type { IJsFixConfig, ISessionDescription, MsgView } from 'jspurefix';

const require = createRequire(import.meta.url);
// tsyringe (jspurefix's DI) needs the Reflect metadata polyfill before any decorated class loads
require(require.resolve('reflect-metadata', { paths: [require.resolve('jspurefix')] }));
export const jsf: typeof Jsf = require('jspurefix');
// the root barrel leaves out the tcp entities and per-connection scopes
const tcp: typeof import('jspurefix/dist/transport/tcp/index.js') = require('jspurefix/dist/transport/tcp');
const scopes: typeof import('jspurefix/dist/runtime/session-scope.js') = require('jspurefix/dist/runtime/session-scope');

export type { MsgView };

/** reads one tag of a received message, whatever component it sits in */
export const tagReader =
  (view: MsgView) =>
  (tag: number): unknown =>
    view.getTyped(tag) ?? undefined;

/** jspurefix logs every state change at info; salvo shows them only with SALVO_FIX_DEBUG=1 */
class QuietLogFactory extends jsf.JsFixLoggerFactory {
  private readonly debug = process.env.SALVO_FIX_DEBUG === '1';
  logger(type: string): Jsf.IJsFixLogger {
    if (!this.debug) return new jsf.EmptyLogger(type);
    const say = (level: string) => (m: string | Error) =>
      process.stderr.write(`[jspurefix ${level}] ${type}: ${m instanceof Error ? m.message : m}\n`);
    return { info: say('info'), warning: say('warn'), debug: () => undefined, error: say('error') };
  }
  plain(): Jsf.IJsFixLogger {
    return new jsf.EmptyLogger();
  }
}
const logFactory = new QuietLogFactory();

export interface SessionHooks {
  /** logged on: application messages may be sent */
  ready(session: SalvoFixSession): void;
  /** application messages, and session-level Reject(3) */
  message(session: SalvoFixSession, msgType: string, view: MsgView): void;
  /** the peer's Logout, with its Text(58) */
  logout?(session: SalvoFixSession, text: string | undefined): void;
  stopped(session: SalvoFixSession, error?: Error): void;
  /** acceptor only: a refusal reason, or undefined to let the peer in */
  vetLogon?(
    session: SalvoFixSession,
    peer: { compId: string; targetCompId: string; username: string; password: string },
  ): string | undefined;
}

export class SalvoFixSession extends jsf.AsciiSession {
  constructor(
    config: IJsFixConfig,
    private readonly hooks: SessionHooks,
  ) {
    super(config);
    // jspurefix emits 'error' when a session ends badly, also after its own listener is gone
    this.on('error', () => undefined);
    // jspurefix starts a heartbeat timer for every Logon it processes without clearing the one
    // running: a second Logon in a session leaked an interval that ticked on after the session
    // stopped and kept the whole process alive. One timer per session, whatever arrives.
    const engine = this as unknown as { startTimer(interval?: number): void };
    const start = engine.startTimer.bind(this);
    engine.startTimer = (interval?: number) => {
      this.clearHeartbeat();
      start(interval);
    };
  }

  private clearHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get peerCompId(): string {
    return this.sessionState.peerCompId || this.config.description.TargetCompID;
  }

  /** the callback gets the MsgSeqNum the message went out under, which Reject(3) refers to */
  sendApp(msgType: string, body: Record<string, unknown>, sent?: (error: Error | null, seqNum?: number) => void): void {
    this.send(msgType, body, (error, result) => sent?.(error, result.header?.MsgSeqNum as number | undefined));
  }

  /**
   * jspurefix writes each encoded message on its own, one system call per message (a 100-leg
   * block: 100 writes; the venue's reports: three per order): batched here per event-loop turn,
   * and sent at once (TCP_NODELAY; jspurefix sets it only on the sockets it accepts)
   */
  override run(transport: Jsf.MsgTransport): Promise<number> {
    const socket = transport.duplex.writable as unknown as (Corkable & { setNoDelay?(on: boolean): void }) | undefined;
    // Nagle's algorithm held a block's second write until the peer acknowledged the first, and the
    // peer delays that ACK up to 40 ms: a 100-leg block reached the venue over 35–45 ms although it
    // left in 9 (bench/helpers/fix-block-trace.ts). Writes are already one per turn (below).
    socket?.setNoDelay?.(true);
    if (socket) writePerTurn(socket);
    return super.run(transport);
  }

  /** logs out (or drops a connection that never logged on) */
  finish(): void {
    this.done();
  }

  protected override onSessionMsg(msgType: string, view: MsgView): void {
    if (msgType === '5') this.hooks.logout?.(this, view.getString(58) ?? undefined);
    super.onSessionMsg(msgType, view);
    if (msgType === '3') this.hooks.message(this, msgType, view);
  }

  protected onApplicationMsg(msgType: string, view: MsgView): void {
    this.hooks.message(this, msgType, view);
  }

  protected onReady(): void {
    this.hooks.ready(this);
  }

  protected onStopped(error?: Error): void {
    this.clearHeartbeat();
    this.hooks.stopped(this, error);
  }

  protected onLogon(view: MsgView, username: string, password: string): boolean {
    const refusal = this.hooks.vetLogon?.(this, {
      compId: view.getString(49) ?? '',
      targetCompId: view.getString(56) ?? '',
      username: username ?? '',
      password: password ?? '',
    });
    if (refusal === undefined) return true;
    // jspurefix's own refusal says only "logon rejected by application": say why, then hang up
    this.sendLogout(refusal);
    this.terminate(new Error(refusal));
    return false;
  }

  /**
   * jspurefix copies every received message into a string for onDecoded (a message log salvo does
   * not keep): ~10 µs of each message's intake, paid in the turn that takes a pipelined block
   */
  protected override rxOnDecoded(): void {}
  protected onDecoded(): void {}
  protected onEncoded(): void {}
}

/** a connection attempt: retries every reconnectSeconds until timeoutSeconds; abort() gives up */
export function dialTcp(
  config: IJsFixConfig,
  timeoutSeconds: number,
): { transport: Promise<Jsf.MsgTransport>; abort(): void } {
  const initiator = new tcp.TcpInitiator(config);
  return { transport: initiator.connect(timeoutSeconds), abort: () => initiator.end() };
}

/**
 * jspurefix writes the .seqnums file once per message with overlapping writeFile calls, so with
 * orders pipelined the last write to land can be an older one (or a truncated file after a
 * crash). Here writes are chained, the newest content wins, and each replaces the file whole.
 */
class SeqNumsInOrder extends jsf.FileSessionStreamProvider {
  private readonly file: string;
  private latest?: string;
  private writing?: Promise<void>;

  constructor(sessionId: Jsf.SessionId, directory: string) {
    super(sessionId, directory);
    this.file = sessionId.getFilePath(directory, 'seqnums');
  }

  override writeSeqNums(content: string): Promise<void> {
    this.latest = content;
    return (this.writing ??= this.drain());
  }

  override async dispose(): Promise<void> {
    await this.writing;
    await super.dispose();
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest !== undefined) {
        const content = this.latest;
        this.latest = undefined;
        await fs.promises.writeFile(`${this.file}.tmp`, content, 'utf8');
        await fs.promises.rename(`${this.file}.tmp`, this.file);
      }
    } finally {
      this.writing = undefined;
    }
  }
}

/**
 * The session store of one initiator for the life of its owner: a file store under storePath
 * (QuickFIX's format, so the numbers survive a restart of salvo), otherwise one memory store
 * kept across reconnections. A file store is reopened per connection and the last one closed.
 */
export class StoreKeeper implements Jsf.IFixSessionStoreFactory {
  private current?: Jsf.IFixSessionStore;

  constructor(private readonly storePath?: string) {}

  create(sessionId: Jsf.SessionId): Jsf.IFixSessionStore {
    if (!this.storePath) return (this.current ??= new jsf.MemorySessionStore(sessionId));
    const previous = this.current;
    if (previous) void previous.dispose().catch(() => undefined);
    return (this.current = new jsf.FileSessionStore(sessionId, new SeqNumsInOrder(sessionId, this.storePath), true));
  }

  async close(): Promise<void> {
    await this.current?.dispose().catch(() => undefined);
  }
}

/** an acceptor's memory stores, one per counterparty for the acceptor's life: a peer that
 * reconnects finds the sequence numbers it left */
export class PeerStores implements Jsf.IFixSessionStoreFactory {
  private readonly stores = new Map<string, Jsf.IFixSessionStore>();

  create(sessionId: Jsf.SessionId): Jsf.IFixSessionStore {
    const key = sessionId.toString();
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = new jsf.MemorySessionStore(sessionId)));
    return store;
  }
}

/** one live session per SessionId: a peer logging on again replaces its stale connection */
export const sessionRegistry = (): Jsf.ISessionRegistry => new jsf.SessionRegistry(logFactory);

export const definitionsFor = (beginString: string): string => (beginString === 'FIX.4.2' ? 'qf42' : 'qf44');

/** builds the description jspurefix reads; `application` carries transport and dictionary */
export function describeSession(d: {
  type: 'initiator' | 'acceptor';
  name: string;
  host: string;
  port: number;
  beginString: string;
  senderCompId: string;
  targetCompId: string;
  username?: string;
  password?: string;
  heartbeatSeconds: number;
  resetSeqNum: boolean;
  connectTimeoutSeconds?: number;
  reconnectSeconds?: number;
}): ISessionDescription {
  return {
    application: {
      type: d.type,
      name: d.name,
      protocol: 'ascii',
      dictionary: definitionsFor(d.beginString),
      resilient: false,
      reconnectSeconds: d.reconnectSeconds ?? 1,
      connectTimeoutSeconds: d.connectTimeoutSeconds,
      tcp: { host: d.host, port: d.port },
    },
    Name: d.name,
    BeginString: d.beginString,
    SenderCompId: d.senderCompId,
    TargetCompID: d.targetCompId,
    SenderSubID: undefined as unknown as string,
    TargetSubID: undefined as unknown as string,
    Username: d.username as string,
    Password: d.password as string,
    ResetSeqNumFlag: d.resetSeqNum,
    HeartBtInt: d.heartbeatSeconds,
    // orders are never replayed by the session layer: a resend request is answered with a gap
    // fill, and an order whose answer was lost is resolved through getOrder before a retry
    store: { type: 'memory', resendGapFillOnly: true },
  };
}

/**
 * The engine's container for one description: dictionary, parser, transmitter. salvo drives
 * connections itself (dialTcp, its own listener) rather than through jspurefix's launcher, which
 * cannot call off a plain initiator's connection attempts nor bind a listener to one address.
 */
export async function engineConfig(
  description: ISessionDescription,
  storeFactory?: Jsf.IFixSessionStoreFactory,
): Promise<IJsFixConfig> {
  const container = new jsf.SessionContainer();
  container.registerGlobal(logFactory);
  const scope = await container.makeSystem(description);
  const config = scope.resolve<IJsFixConfig>(jsf.DITokens.IJsFixConfig);
  if (storeFactory) config.sessionStoreFactory = storeFactory;
  return config;
}

/**
 * An accepted socket as a transport with its own scope (buffers, description, store). `readable`:
 * what the engine parses instead of the raw socket (the acceptor's framing gate); its output goes
 * to the socket all the same.
 */
export function acceptedTransport(
  config: IJsFixConfig,
  id: number,
  socket: Socket,
  readable?: Readable,
): Jsf.MsgTransport {
  const duplex = new jsf.TcpDuplex(socket);
  if (readable) duplex.readable = readable;
  const transport = new jsf.MsgTransport(id, scopes.makeSessionScope(config), duplex);
  // the session listens for parse errors only while subscribed; one arriving after it stopped
  // would be an unhandled 'error' event, fatal to the whole process
  transport.receiver.on('error', () => undefined);
  transport.transmitter.on('error', () => undefined);
  return transport;
}
