// The client side: a Broker whose every call is a request over one MessagePort to the broker's
// thread, each with its own deadline. A lost answer becomes BrokerTimeoutError, so the caller asks
// for the client order id before sending again, exactly as with a remote venue.
import type { MessagePort } from 'node:worker_threads';
import {
  BrokerTimeoutError,
  type Broker,
  type BrokerAccount,
  type BrokerOrderState,
  type BrokerPosition,
  type MarketClock,
  type SubmitAck,
  type TradeUpdate,
  type WireOrder,
} from '../broker.js';
import { Outbox } from './outbox.js';
import { fromWireError, type PortMessage, type PortRequest } from './protocol.js';

export abstract class PortClient implements Broker {
  abstract readonly name: string;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout; sent?: (at: number) => void }
  >();
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  private nextId = 1;
  private readonly outbox = new Outbox<PortRequest>();
  protected subscribed?: Promise<void>;
  private closed = false;

  /** `what`: the thread on the other end, for messages; `waitMs`: a request's default deadline */
  constructor(
    private readonly port: MessagePort,
    private readonly what: string,
    private readonly waitMs: number,
  ) {
    port.on('message', this.onMessage);
    port.on('close', this.onClose);
  }

  abstract connect(): Promise<void>;

  submit(order: WireOrder, written?: (at: number) => void): Promise<SubmitAck> {
    return this.call('submit', [order], order.clientOrderId, this.waitMs, written);
  }
  /** a replace in one step at the venue (the paper venue's replace, FIX's OrderCancelReplaceRequest) */
  replace(order: WireOrder): Promise<SubmitAck> {
    return this.call('replace', [order], order.clientOrderId);
  }
  /** a bracket / OTO entry with its legs, in one request (the paper venue's groups, FIX's emulation) */
  submitGroup(order: WireOrder): Promise<SubmitAck> {
    return this.call('submitGroup', [order], order.clientOrderId);
  }
  cancel(clientOrderId: string): Promise<void> {
    return this.call('cancel', [clientOrderId], clientOrderId);
  }
  getOrder(clientOrderId: string): Promise<BrokerOrderState | undefined> {
    return this.call('getOrder', [clientOrderId], clientOrderId);
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

  /** the thread sends updates to this port once, whatever the number of local listeners */
  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscribed && !this.closed) {
      // a failed subscribe is retried by the next onUpdate; connect() reports it
      this.subscribed = this.call<void>('subscribe', []).catch((error: Error) => {
        this.subscribed = undefined;
        throw error;
      });
      this.subscribed.catch(() => undefined);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.shutDown(`${this.name} broker closed`);
  }

  /** `sent` hears the thread's sentAt, when its answer carries one */
  protected call<T>(
    method: string,
    args: unknown[],
    about?: string,
    waitMs = this.waitMs,
    sent?: (at: number) => void,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.name} broker is closed (${method})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new BrokerTimeoutError(`${this.what} did not answer ${method}${about ? ` ${about}` : ''} in ${waitMs} ms`),
        );
      }, waitMs);
      this.pending.set(id, { resolve, reject, timer, sent });
      this.outbox.send(this.port, { id, method, args });
    });
  }

  private readonly onMessage = (messages: PortMessage[]): void => {
    for (const message of messages) this.receive(message);
  };

  private receive(message: PortMessage): void {
    if ('type' in message) {
      for (const listener of this.listeners) listener(message.update);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return; // answer after its deadline: the caller already saw a timeout
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.sentAt !== undefined) p.sent?.(message.sentAt);
    if (message.ok) p.resolve(message.value);
    else p.reject(fromWireError(message.error));
  }

  /** the thread went away: nothing in flight will be answered */
  private readonly onClose = (): void => this.shutDown(`${this.what} connection closed`);

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
