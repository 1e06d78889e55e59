// Alpaca (paper) behind the Broker seam. Execution workers use it for submit and cancel over their
// own keep-alive connections; the session's client (workerId 0, or anyone who listens) also holds
// the trade_updates stream. When the stream drops, updates sent meanwhile are gone for good, so
// after the reconnect every order that may have changed is read back over REST and what was
// missed is passed on as synthesized updates.
import {
  BrokerConnectError,
  BrokerRejection,
  type Broker,
  type BrokerAccount,
  type BrokerLink,
  type BrokerOrderState,
  type BrokerPosition,
  type MarketClock,
  type RateLimitInfo,
  type SubmitAck,
  type TradeUpdate,
  type WireOrder,
} from '../broker.js';
import { DEFAULT_CONNECTIONS, defaultStreamUrl, MAX_CONNECTIONS, type AlpacaBrokerConfig } from './config.js';
import { MISSING_CREDENTIALS, resolveCredentials, type AlpacaCredentials } from '../../util/credentials.js';
import {
  eventFor,
  orderRequest,
  replaceRequest,
  toOrderState,
  toPosition,
  toTradeUpdate,
  num,
  pairLegs,
  type AlpacaOrderJson,
} from './mapping.js';
import { OrderTracker } from './order-tracker.js';
import { AlpacaRest } from './rest-client.js';
import { TradeStream } from './trade-stream.js';
import { required } from '../../util/defined.js';

/** how far before the drop (and the oldest open order) a resync looks, for clock skew */
const RESYNC_SLACK_MS = 10_000;
const PAGE = 500;

export interface CalendarDay {
  date: string;
  open: string;
  close: string;
}

export class AlpacaBroker implements Broker {
  readonly name = 'alpaca';
  private readonly credentials?: AlpacaCredentials;
  /** no sockets until the first request */
  private readonly rest?: AlpacaRest;
  private stream?: TradeStream;
  private streamStart?: Promise<void>;
  private readonly listeners = new Set<(update: TradeUpdate) => void>();
  private readonly tracker = new OrderTracker();
  /** broker order ids of the orders this client submitted, for cancels without a lookup */
  private readonly ids = new Map<string, string>();
  private connected = false;
  private closed = false;
  /** connections open after connect() warmed them */
  private open?: number;
  /** synthesized updates emitted by resyncs, for tests and diagnostics */
  resynced = 0;

  constructor(
    private readonly config: AlpacaBrokerConfig,
    private readonly link: BrokerLink,
  ) {
    this.credentials = resolveCredentials(config);
    // an execution worker is as wide as its share of the burst, unless the config says otherwise
    const connections = config.connections ?? Math.min(MAX_CONNECTIONS, link.width ?? DEFAULT_CONNECTIONS);
    if (this.credentials) this.rest = new AlpacaRest({ ...config, connections }, this.credentials);
  }

  get host(): string {
    return new URL(this.config.baseUrl).host;
  }

  /**
   * credentials and reachability, then an execution worker's connections opened (no request on
   * them, so no rate-limit allowance spent), then (for a listening client) the stream
   */
  async connect(): Promise<void> {
    if (!this.rest) throw new BrokerConnectError(MISSING_CREDENTIALS);
    try {
      await this.rest.get('/v2/account');
      if (this.link.workerId !== 0) this.open = await this.rest.warm();
    } catch (error) {
      if (error instanceof BrokerConnectError) throw error;
      throw new BrokerConnectError(`cannot use Alpaca at ${this.host}: ${(error as Error).message}`);
    }
    this.connected = true;
    if (this.link.workerId === 0 || this.listeners.size > 0) await this.openStream();
  }

  describeWidth(): string {
    return `${this.rest?.width ?? 0} connections${this.open !== undefined ? ` (${this.open} open)` : ''}`;
  }

  async submit(order: WireOrder, written?: (at: number) => void): Promise<SubmitAck> {
    const o = await this.api().request<AlpacaOrderJson>(
      'POST',
      '/v2/orders',
      { body: orderRequest(order), written },
      false,
    );
    this.ids.set(order.clientOrderId, o.id);
    const state = toOrderState(o);
    return { brokerOrderId: o.id, status: state.status, rawStatus: o.status };
  }

  /**
   * A bracket / OTO / OCO as one request (`order_class`, `take_profit`, `stop_loss`). Alpaca gives
   * each leg its own ids: the ack pairs them with salvo's legs, so their trade updates find them.
   */
  async submitGroup(order: WireOrder): Promise<SubmitAck> {
    const o = await this.api().request<AlpacaOrderJson>('POST', '/v2/orders', { body: orderRequest(order) }, false);
    this.ids.set(order.clientOrderId, o.id);
    const legs = pairLegs(order.legs ?? [], o);
    for (const leg of legs) this.ids.set(leg.clientOrderId, leg.brokerOrderId);
    return { brokerOrderId: o.id, status: toOrderState(o).status, rawStatus: o.status, legs };
  }

  async cancel(clientOrderId: string): Promise<void> {
    const id = await this.brokerId(clientOrderId);
    await this.api().request('DELETE', `/v2/orders/${encodeURIComponent(id)}`);
  }

  /** PATCH /v2/orders/{id}: Alpaca swaps the order for a new one (its own id, `replaces` the old) */
  async replace(order: WireOrder): Promise<SubmitAck> {
    const id = await this.brokerId(required(order.replaces, `replaces on the replace order ${order.clientOrderId}`));
    const o = await this.api().request<AlpacaOrderJson>(
      'PATCH',
      `/v2/orders/${encodeURIComponent(id)}`,
      { body: replaceRequest(order) },
      false,
    );
    this.ids.set(order.clientOrderId, o.id);
    return { brokerOrderId: o.id, status: toOrderState(o).status, rawStatus: o.status };
  }

  private async brokerId(clientOrderId: string): Promise<string> {
    let id = this.ids.get(clientOrderId);
    if (!id) {
      const found = await this.orderJson(clientOrderId);
      if (!found) throw new BrokerRejection(`unknown order '${clientOrderId}'`, 'not_found');
      id = found.id;
      this.ids.set(clientOrderId, id);
    }
    return id;
  }

  async getOrder(clientOrderId: string): Promise<BrokerOrderState | undefined> {
    const o = await this.orderJson(clientOrderId);
    return o && toOrderState(o);
  }

  async openOrders(): Promise<BrokerOrderState[]> {
    return (await this.listOrders('open', 0)).map((o) => toOrderState(o));
  }

  async positions(): Promise<BrokerPosition[]> {
    return (
      await this.api().get<Array<{ symbol: string; qty: string; side?: string; avg_entry_price: string }>>(
        '/v2/positions',
      )
    ).map(toPosition);
  }

  async account(): Promise<BrokerAccount> {
    const a = await this.api().get<Record<string, string>>('/v2/account');
    return {
      cash: num(a.cash),
      equity: num(a.equity),
      buyingPower: num(a.buying_power),
      currency: a.currency ?? 'USD',
    };
  }

  async clock(): Promise<MarketClock> {
    const c = await this.api().get<{ timestamp: string; is_open: boolean; next_open: string; next_close: string }>(
      '/v2/clock',
    );
    return {
      now: new Date(c.timestamp),
      isOpen: c.is_open,
      nextOpen: new Date(c.next_open),
      nextClose: new Date(c.next_close),
    };
  }

  /** trading days (YYYY-MM-DD) between start and end with their open and close, venue local time */
  async calendar(start?: string, end?: string): Promise<CalendarDay[]> {
    return this.api().get<CalendarDay[]>('/v2/calendar', { start, end });
  }

  onUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    if (this.connected && !this.closed) this.openStream().catch(() => undefined);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onRateLimit(listener: (info: RateLimitInfo) => void): () => void {
    return this.rest?.onRateLimit(listener) ?? (() => undefined);
  }

  /** the latest X-Ratelimit-* view of this client */
  get rateLimit(): RateLimitInfo | undefined {
    return this.rest?.rateLimit;
  }

  /** trade_updates connections lost and re-established so far */
  get streamReconnects(): number {
    return this.stream?.reconnects ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.close();
    // a resync still running stops at its next step: it checks `closed`, and its requests fail
    this.listeners.clear();
    await this.rest?.close();
  }

  private api(): AlpacaRest {
    if (!this.rest) throw new BrokerConnectError(`Alpaca broker used before connect() (${this.host})`);
    return this.rest;
  }

  private async orderJson(clientOrderId: string): Promise<AlpacaOrderJson | undefined> {
    try {
      return await this.api().get<AlpacaOrderJson>('/v2/orders:by_client_order_id', { client_order_id: clientOrderId });
    } catch (error) {
      if (error instanceof BrokerRejection && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  /** every order of a status created after `after` (epoch ms), oldest first, across pages */
  private async listOrders(status: 'open' | 'all', after: number): Promise<AlpacaOrderJson[]> {
    const out: AlpacaOrderJson[] = [];
    const seen = new Set<string>();
    let since = after;
    for (;;) {
      const page = await this.api().get<AlpacaOrderJson[]>('/v2/orders', {
        status,
        limit: PAGE,
        direction: 'asc',
        after: new Date(since).toISOString(),
      });
      for (const o of page)
        if (!seen.has(o.id)) {
          seen.add(o.id);
          out.push(o);
        }
      if (page.length < PAGE) return out;
      // `after` is exclusive and orders can share a millisecond: step back one and drop repeats
      const last = Date.parse(page[page.length - 1].created_at ?? '') - 1;
      since = Number.isFinite(last) && last > since ? last : since + 1;
    }
  }

  private openStream(): Promise<void> {
    if (this.streamStart) return this.streamStart;
    const credentials = this.credentials;
    if (!credentials) return Promise.reject(new BrokerConnectError(MISSING_CREDENTIALS));
    const url = this.config.streamUrl ?? defaultStreamUrl(this.config.baseUrl);
    this.stream = new TradeStream(url, credentials, {
      onData: (data) => this.onStreamData(data),
      onResumed: (downSince) => {
        void this.resync(downSince);
      },
    });
    this.streamStart = this.stream.start();
    return this.streamStart;
  }

  private onStreamData(data: Record<string, unknown>): void {
    const update = toTradeUpdate(data as Parameters<typeof toTradeUpdate>[0]);
    if (!update) return;
    const created = Date.parse(String((data.order as AlpacaOrderJson).created_at ?? ''));
    if (this.tracker.admit(update, Number.isFinite(created) ? created : update.timestamp)) this.emit(update);
  }

  /** reads back every order that may have changed while the stream was down; retried until it works */
  private async resync(downSince: number): Promise<void> {
    const since = Math.min(downSince, this.tracker.oldestOpen() ?? downSince) - RESYNC_SLACK_MS;
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        for (const o of await this.listOrders('all', since)) {
          const state = toOrderState(o);
          const event = eventFor(state.status);
          state.rawStatus = event;
          const at = Date.parse(o.updated_at ?? '');
          const update: TradeUpdate = { event, order: state, timestamp: Number.isFinite(at) ? at : Date.now() };
          const created = Date.parse(o.created_at ?? '');
          if (this.tracker.admit(update, Number.isFinite(created) ? created : update.timestamp)) {
            this.resynced++;
            this.emit(update);
          }
        }
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)).unref());
      }
    }
  }

  private emit(update: TradeUpdate): void {
    for (const listener of this.listeners) listener(update);
  }
}
