// Alpaca's Trading API over keep-alive connections (one undici Pool per client, so each execution
// worker reuses its own sockets). Every failure leaves here as one of the Broker seam's errors, and
// messages name the host and the endpoint, never a credential.
//
// Width: the pool's connections are how many legs are on the wire at once. warm() opens them
// before trading (TCP, and TLS for https) without sending a request, so it costs no rate-limit
// allowance and the first block pays no handshake; undici takes a warm socket whenever it would
// otherwise connect.
import type { Socket } from 'node:net';
import { buildConnector, DecoratorHandler, Pool, type Dispatcher } from 'undici';
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTimeoutError,
  BrokerTransientError,
  type RateLimitInfo,
} from '../broker.js';
import { preciseNow } from '../../orders/order.js';
import type { AlpacaCredentials } from '../../util/credentials.js';

export interface RestOptions {
  baseUrl: string;
  requestTimeoutMs: number;
  connections: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** called with the epoch ms (sub-ms) at which the request was written on the socket */
  written?: (at: number) => void;
}

/** errors a request can end with before any answer was read */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** salvo's code for Alpaca's refusal, from its message (Alpaca's numeric codes are coarse) */
export function rejectionCode(status: number, code: unknown, message: string): string {
  if (/buying power/i.test(message)) return 'insufficient_buying_power';
  if (/client_order_id must be unique|duplicate client_order_id/i.test(message)) return 'duplicate_client_order_id';
  if (/insufficient qty/i.test(message)) return 'insufficient_qty';
  if (/unknown symbol|asset .*not found|could not find asset|not tradable/i.test(message)) return 'unknown_symbol';
  if (/not cancelable|already in .* state/i.test(message)) return 'not_cancelable';
  if (status === 404) return 'not_found';
  return typeof code === 'number' ? `alpaca_${code}` : `http_${status}`;
}

export class AlpacaRest {
  readonly host: string;
  private readonly pool: Pool;
  private readonly dispatcher: Dispatcher;
  private readonly prefix: string;
  /** sockets opened by warm(), connected and idle, for the pool to take */
  private readonly warmSockets: Socket[] = [];
  /** what undici asked the connector for, copied by warm() */
  private connectOptions?: buildConnector.Options;
  private readonly connector: buildConnector.connector;
  private readonly listeners = new Set<(info: RateLimitInfo) => void>();
  /** the latest rate-limit view, whoever asked */
  rateLimit?: RateLimitInfo;

  constructor(
    private readonly options: RestOptions,
    private readonly credentials: AlpacaCredentials,
  ) {
    const url = new URL(options.baseUrl);
    this.host = url.host;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.connector = buildConnector({ timeout: options.requestTimeoutMs });
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connect: (opts, callback) => {
        this.connectOptions ??= opts;
        const socket = this.warmSockets.pop();
        if (!socket) return this.connector(opts, callback);
        socket.removeAllListeners('close').removeAllListeners('error');
        callback(null, socket);
      },
    });
    this.dispatcher = this.pool.compose((dispatch) => (opts, handler) => {
      const written = (opts as { written?: (at: number) => void }).written;
      return dispatch(opts, written ? (new WrittenHandler(handler, written) as Dispatcher.DispatchHandlers) : handler);
    });
  }

  /** connections the pool may open */
  get width(): number {
    return this.options.connections;
  }

  /**
   * Opens connections until the pool has `width` of them (after one request, whose connection is
   * reused). Resolves with how many are open and idle; a connection that fails is left out.
   */
  async warm(): Promise<number> {
    const opts = this.connectOptions;
    if (!opts) throw new Error('AlpacaRest.warm() before the first request');
    const wanted = this.options.connections - this.pool.stats.connected - this.warmSockets.length;
    const opened = await Promise.all(
      Array.from(
        { length: Math.max(0, wanted) },
        () =>
          new Promise<Socket | undefined>((resolve) =>
            this.connector(opts, (error, socket) => resolve(error ? undefined : (socket as Socket))),
          ),
      ),
    );
    for (const socket of opened) {
      if (!socket) continue;
      // a warm socket the server closes meanwhile is dropped; the pool then connects as usual
      const drop = () => {
        const i = this.warmSockets.indexOf(socket);
        if (i >= 0) this.warmSockets.splice(i, 1);
        socket.destroy();
      };
      socket.on('close', drop).on('error', drop);
      this.warmSockets.push(socket);
    }
    return this.pool.stats.connected + this.warmSockets.length;
  }

  onRateLimit(listener: (info: RateLimitInfo) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /**
   * One request. `idempotent: false` (order submission): a connection lost after the request left
   * means its outcome is unknown, so it surfaces as BrokerTimeoutError and salvo looks the order up
   * before sending again.
   */
  async request<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    options: RequestOptions = {},
    idempotent = method !== 'POST',
  ): Promise<T> {
    const what = `${method} ${path}`;
    const ms = this.options.requestTimeoutMs;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        method,
        path: this.prefix + path + queryString(options.query),
        headers: {
          'APCA-API-KEY-ID': this.credentials.keyId,
          'APCA-API-SECRET-KEY': this.credentials.secretKey,
          'user-agent': 'salvo',
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        headersTimeout: ms,
        bodyTimeout: ms,
        ...(options.written ? { written: options.written } : {}),
      } as Dispatcher.RequestOptions);
    } catch (error) {
      throw this.networkError(error, what, idempotent);
    }
    const { statusCode: status, headers, body } = response;
    this.noteRateLimit(headers);
    let text: string;
    try {
      text = await body.text();
    } catch (error) {
      throw this.networkError(error, what, idempotent);
    }
    if (status >= 200 && status < 300) {
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new BrokerTransientError(`Alpaca at ${this.host} answered ${what} with a body that is not JSON`, status);
      }
    }
    throw this.httpError(status, headers, text, what);
  }

  async close(): Promise<void> {
    for (const socket of this.warmSockets.splice(0)) socket.destroy();
    await this.pool.destroy();
  }

  private networkError(error: unknown, what: string, idempotent: boolean): Error {
    const code = (error as { code?: string } | null)?.code ?? '';
    const cause = (error as Error)?.message ?? String(error);
    if (TIMED_OUT.has(code))
      return new BrokerTimeoutError(
        `Alpaca at ${this.host} did not answer ${what} within ${this.options.requestTimeoutMs} ms`,
      );
    if (NOT_SENT.has(code) || idempotent)
      return new BrokerTransientError(`cannot reach Alpaca at ${this.host} (${what}): ${code || cause}`);
    return new BrokerTimeoutError(
      `connection to Alpaca at ${this.host} lost during ${what} (${code || cause}): outcome unknown`,
    );
  }

  private httpError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
    what: string,
  ): Error {
    let code: unknown;
    let message = text.trim().slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      code = parsed.code;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      /* not JSON: keep the text */
    }
    const said = message ? `: ${message}` : '';
    if (status === 401 || (status === 403 && code !== 40310000 && !/buying power|insufficient qty/i.test(message))) {
      return new BrokerConnectError(
        `Alpaca at ${this.host} refused the credentials (HTTP ${status}${said}) on ${what}`,
      );
    }
    if (status === 429) {
      return new BrokerTransientError(
        `Alpaca at ${this.host} rate-limited ${what} (HTTP 429${said})`,
        429,
        retryAfterMs(headers),
      );
    }
    if (status >= 500 || status === 408)
      return new BrokerTransientError(`Alpaca at ${this.host} answered ${what} with HTTP ${status}${said}`, status);
    return new BrokerRejection(message || `HTTP ${status}`, rejectionCode(status, code, message));
  }

  private noteRateLimit(headers: Record<string, string | string[] | undefined>): void {
    const limit = Number(header(headers, 'x-ratelimit-limit'));
    const remaining = Number(header(headers, 'x-ratelimit-remaining'));
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    if (
      !Number.isFinite(remaining) ||
      !Number.isFinite(reset) ||
      header(headers, 'x-ratelimit-remaining') === undefined
    )
      return;
    const info: RateLimitInfo = { limit: Number.isFinite(limit) ? limit : NaN, remaining, resetAt: reset * 1000 };
    this.rateLimit = info;
    for (const listener of this.listeners) listener(info);
  }
}

/** tells when undici has written the whole request (headers and body) to the socket */
class WrittenHandler extends DecoratorHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandlers,
    private readonly written: (at: number) => void,
  ) {
    super(inner);
  }

  onRequestSent(): void {
    this.written(preciseNow());
    (this.inner as { onRequestSent?: () => void }).onRequestSent?.();
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** from X-Ratelimit-Reset (epoch seconds); Retry-After when that is missing */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (header(headers, 'x-ratelimit-reset') !== undefined && Number.isFinite(reset))
    return Math.max(0, reset * 1000 - now);
  const after = Number(header(headers, 'retry-after'));
  return Number.isFinite(after) && header(headers, 'retry-after') !== undefined ? Math.max(0, after * 1000) : 1000;
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
