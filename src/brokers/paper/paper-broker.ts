// A client of the paper venue thread over one MessagePort: request/answer matched by id, each
// request with its own deadline. A lost answer becomes BrokerTimeoutError, so the caller asks for
// the client order id before sending again, exactly as with a real venue.
import type { MessagePort } from 'node:worker_threads';
import {
  BrokerConnectError, BrokerRejection, BrokerTimeoutError, BrokerTransientError,
  type Broker, type BrokerAccount, type BrokerOrderState, type BrokerPosition, type MarketClock,
  type SubmitAck, type TradeUpdate, type WireOrder,
} from '../broker.js';
import type { PaperBrokerConfig } from './config.js';
import type { VenueMessage, VenueRequest, WireError } from './venue-host.js';

interface Pending {
  resolve(value: any): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class PaperBroker implements Broker {
  readonly name = 'paper';
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  private nextId = 1;
  private listening = false;
  private subscribed?: Promise<void>;
  private closed = false;

  constructor(private readonly config: Pick<PaperBrokerConfig, 'requestTimeoutMs'>, private readonly port: MessagePort) {}

  /** one round trip, so a dead venue thread stops the session before it starts */
  async connect(): Promise<void> {
    try {
      await this.call('clock', []);
    } catch (error) {
      throw new BrokerConnectError(`paper venue unreachable: ${(error as Error).message}`);
    }
    if (this.listeners.size > 0) await this.subscribed;
  }

  submit(order: WireOrder): Promise<SubmitAck> {
    return this.call('submit', [order], order.clientOrderId);
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

  /** the venue sends updates to this port once, whatever the number of local listeners */
  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscribed && !this.closed) {
      // a failed subscribe is retried by the next onUpdate; connect() reports it
      this.subscribed = this.call<void>('subscribe', []).catch((error: Error) => {
        this.subscribed = undefined;
        throw error;
      });
      this.subscribed.catch(() => {});
    }
    return () => { this.listeners.delete(listener); };
  }

  async close(): Promise<void> {
    this.shutDown('paper broker closed');
  }

  private shutDown(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
    }
    this.pending.clear();
    this.listeners.clear();
    this.port.off('message', this.onMessage);
    this.port.off('close', this.onPortClose);
    this.port.close();
  }

  private call<T>(method: string, args: unknown[], about?: string): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`paper broker is closed (${method})`));
    this.listen();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const ms = this.config.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BrokerTimeoutError(`paper venue did not answer ${method}${about ? ` ${about}` : ''} in ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      const request: VenueRequest = { id, method, args };
      this.port.postMessage(request);
    });
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.port.on('message', this.onMessage);
    this.port.on('close', this.onPortClose);
  }

  private readonly onMessage = (message: VenueMessage): void => {
    if ('type' in message) {
      for (const listener of this.listeners) listener(message.update);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return; // answer after its deadline: the caller already saw a timeout
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.value);
    else p.reject(fromWireError(message.error));
  };

  /** the venue thread went away: nothing in flight will be answered */
  private readonly onPortClose = (): void => {
    this.shutDown('paper venue connection closed');
  };
}

function fromWireError(error: WireError): Error {
  if (error.kind === 'rejection') return new BrokerRejection(error.message, error.code);
  if (error.kind === 'transient') return new BrokerTransientError(error.message, error.status, error.retryAfterMs);
  return new Error(error.message);
}
