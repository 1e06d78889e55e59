// Options of the Alpaca broker (paper trading only), checked before a session starts. Runtime code
// lives beside this file and loads only when a session uses Alpaca.
import { z } from 'zod';

export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
/** connections one client opens at most: a burst wider than this per worker waits for sockets */
export const MAX_CONNECTIONS = 256;
/** a client outside a session, or the session's own (account, positions, the stream) */
export const DEFAULT_CONNECTIONS = 16;

export const alpacaBrokerSchema = z.strictObject({
  type: z.literal('alpaca'),
  /**
   * The API key id.
   * @default APCA_API_KEY_ID from the environment, else from ./.env
   */
  keyId: z.string().min(1).optional(),
  /**
   * The API secret key.
   * @default APCA_API_SECRET_KEY from the environment, else from ./.env
   */
  secretKey: z.string().min(1).optional(),
  /**
   * Must be true: salvo trades Alpaca paper accounts only.
   * @default true
   */
  paper: z.literal(true, { message: 'paper must be true: salvo trades Alpaca paper accounts only' }).default(true),
  /**
   * The Trading API root (http or https).
   * @default 'https://paper-api.alpaca.markets'
   */
  baseUrl: z.url({ protocol: /^https?$/, message: 'baseUrl must be an http(s) URL' }).default(ALPACA_PAPER_URL),
  /**
   * The trade_updates websocket.
   * @default baseUrl with ws(s):// and /stream
   */
  streamUrl: z.url({ protocol: /^wss?$/, message: 'streamUrl must be a ws(s) URL' }).optional(),
  /**
   * How long one REST request may take before its outcome counts as unknown, ms; up to 600,000.
   * @default 10000
   */
  requestTimeoutMs: z.number().int().positive().max(600_000).default(10_000),
  /**
   * Keep-alive connections per client (each execution worker has its own client), opened before
   * the first tick; 1 to 256.
   * @default in a session, the worker's share of the burst (every leg of a full block on the
   * wire at once); a client outside a session, 16
   */
  connections: z.number().int().min(1).max(MAX_CONNECTIONS).optional(),
});

export type AlpacaBrokerConfig = z.output<typeof alpacaBrokerSchema>;

export function parseAlpacaBrokerConfig(input: unknown): AlpacaBrokerConfig {
  return alpacaBrokerSchema.parse(input);
}

/** wss://host/stream for https://host, ws:// for http:// */
export function defaultStreamUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/stream`;
  return url.toString();
}
