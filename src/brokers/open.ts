// Broker start-up, the one way a session and `salvo diagnose` both do it: the venue's driver, its
// process-wide hub (the paper venue thread, the FIX session owner) if it has one, the client for
// worker 0, then connect. A start that fails half-way closes what it opened.
import { withTimeout } from '../util/with-timeout.js';
import type { Log } from '../util/log.js';
import type { Broker, BrokerHub, TradeUpdate } from './broker.js';
import { type BrokerConfig, brokerDriver } from './index.js';

export interface OpenBrokerOptions {
  /** the quote board's shared buffer and its tickers: the paper venue prices and fills against it */
  board: { buffer: SharedArrayBuffer; tickers: readonly string[] };
  /**
   * every trade update of the session's own client, listened to from before connect() so no fill
   * slips past. Default: none.
   */
  onUpdate?: (update: TradeUpdate) => void;
  /**
   * how long each step (the venue thread's start, connect) may take before start-up fails naming
   * the step; a thread started too late is closed when it arrives. Default: no limit (the venue's
   * own connect timeout applies).
   */
  timeoutMs?: number;
  /** where the venue's thread speaks (reconnects, a crash). Default: stderr */
  log?: Log;
}

export interface OpenBroker {
  /** the connected client of worker 0 (the session's own) */
  broker: Broker;
  /** the venue's process-wide part; execution workers take their links from it */
  hub?: BrokerHub;
  /** closes the client, then the hub; never throws */
  close(): Promise<void>;
  /** whether the venue takes notional orders (BrokerDriver.takesNotional) */
  takesNotional: boolean;
}

/** A connected broker client for `config`, with the venue's hub when it has one. */
export async function openBroker(config: BrokerConfig, options: OpenBrokerOptions): Promise<OpenBroker> {
  const bounded = <T>(work: Promise<T>, what: string, discard?: (late: T) => unknown) =>
    options.timeoutMs === undefined ? work : withTimeout(work, options.timeoutMs, what, discard);
  const driver = await brokerDriver(config.type);
  const shared = { boardBuffer: options.board.buffer, tickers: options.board.tickers, log: options.log };
  const hub = await bounded(Promise.resolve(driver.prepare?.(config, shared)), `${config.type} venue`, (h) =>
    h?.close(),
  );
  let broker: Broker | undefined;
  const close = async () => {
    await broker?.close().catch(() => undefined);
    await hub?.close().catch(() => undefined);
  };
  try {
    broker = driver.create(config, hub?.link(0).link ?? { workerId: 0 });
    if (options.onUpdate) broker.onUpdate(options.onUpdate);
    await bounded(broker.connect(), `${config.type} broker`);
  } catch (error) {
    await close();
    throw error;
  }
  return { broker, hub, close, takesNotional: driver.takesNotional ?? false };
}
