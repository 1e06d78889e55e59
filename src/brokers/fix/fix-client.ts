// A client of the FIX session thread over one MessagePort: what the session (link 0) and each
// execution worker hold. It never loads the FIX engine; every call becomes a request to the
// session owner, which puts it on the one FIX session (see session-owner.ts).
//
// On the port:  request  { id, method, args }
//               answer   { id, ok: true, value } | { id, ok: false, error: WireError }
//               update   { type: 'update', update }   after method 'subscribe'
import type { MessagePort } from 'node:worker_threads';
import {
  BrokerConnectError, BrokerRejection, BrokerTimeoutError, BrokerTransientError,
  type Broker, type BrokerAccount, type BrokerOrderState, type BrokerPosition, type MarketClock,
  type SubmitAck, type TradeUpdate, type WireOrder,
} from '../broker.js';
import type { FixBrokerConfig } from './config.js';

export interface FixRequest { id: number; method: string; args: unknown[] }
export interface WireError { kind: 'rejection' | 'transient' | 'timeout' | 'connect' | 'other'; message: string; code?: string }
export type FixMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError }
  | { type: 'update'; update: TradeUpdate };

export function toWireError(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BrokerRejection) return { kind: 'rejection', message: error.reason, code: error.code };
  if (error instanceof BrokerTransientError) return { kind: 'transient', message };
  if (error instanceof BrokerTimeoutError) return { kind: 'timeout', message };
  if (error instanceof BrokerConnectError) return { kind: 'connect', message };
  return { kind: 'other', message };
}

function fromWireError(e: WireError): Error {
  switch (e.kind) {
    case 'rejection': return new BrokerRejection(e.message, e.code);
    case 'transient': return new BrokerTransientError(e.message);
    case 'timeout': return new BrokerTimeoutError(e.message);
    case 'connect': return new BrokerConnectError(e.message);
    default: return new Error(e.message);
  }
}

/** the owner answers within its own deadlines; this margin only catches a dead thread */
const MARGIN_MS = 2000;

export class FixClient implements Broker {
  readonly name = 'fix';
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  private nextId = 1;
  private subscribed?: Promise<void>;
  private closed = false;

  constructor(private readonly config: FixBrokerConfig, private readonly port: MessagePort) {
    port.on('message', this.onMessage);
    port.on('close', this.onClose);
  }

  /** resolves once the one session is logged on; a refused logon carries the peer's Text */
  async connect(): Promise<void> {
    // the owner gives up on the logon 2 s after its connection attempts; its reason should win
    await this.call('connect', [], this.config.connectTimeoutSeconds * 1000 + 3000);
    if (this.listeners.size > 0) await this.subscribed;
  }

  submit(order: WireOrder): Promise<SubmitAck> {
    return this.call('submit', [order]);
  }

  cancel(clientOrderId: string): Promise<void> {
    return this.call('cancel', [clientOrderId]);
  }

  getOrder(clientOrderId: string): Promise<BrokerOrderState | undefined> {
    return this.call('getOrder', [clientOrderId]);
  }

  openOrders(): Promise<BrokerOrderState[]> {
    return this.call('openOrders', []);
  }

  positions(): Promise<BrokerPosition[]> {
    return this.call('positions', []);
  }

  account(): Promise<BrokerAccount> {
    return this.call('account', []);
  }

  clock(): Promise<MarketClock> {
    return this.call('clock', []);
  }

  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscribed && !this.closed) {
      this.subscribed = this.call<void>('subscribe', []).catch((error: Error) => {
        this.subscribed = undefined;
        throw error;
      });
      this.subscribed.catch(() => undefined);
    }
    return () => { this.listeners.delete(listener); };
  }

  async close(): Promise<void> {
    this.shutDown('FIX client closed');
  }

  private call<T>(method: string, args: unknown[], waitMs = this.config.requestTimeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`FIX client is closed (${method})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const ms = waitMs + MARGIN_MS;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BrokerTimeoutError(`FIX session thread did not answer ${method} in ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      const request: FixRequest = { id, method, args };
      this.port.postMessage(request);
    });
  }

  private readonly onMessage = (message: FixMessage): void => {
    if ('type' in message) {
      for (const listener of this.listeners) listener(message.update);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.value);
    else p.reject(fromWireError(message.error));
  };

  private readonly onClose = (): void => this.shutDown('FIX session thread closed the connection');

  private shutDown(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    this.pending.clear();
    this.listeners.clear();
    this.port.off('message', this.onMessage);
    this.port.off('close', this.onClose);
    this.port.close();
  }
}
