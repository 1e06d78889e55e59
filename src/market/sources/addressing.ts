// Where an instrument's quotes live on a message bus: a Redis channel or Kafka topic named by a
// template. Desks name instruments `EXCHANGE:SYMBOL` (HNXDS:VN30F2606); the template picks the parts.
import type { QuoteSink } from './source.js';
import { asWholeQuote, decodeQuote, type QuoteFormat } from './wire-format.js';

const PLACEHOLDER = /\{(\w+)\}/g;

export function splitTicker(ticker: string): { exchange: string; symbol: string } {
  const i = ticker.indexOf(':');
  return i < 0 ? { exchange: '', symbol: ticker } : { exchange: ticker.slice(0, i), symbol: ticker.slice(i + 1) };
}

/** placeholders a template may use, checked when options are validated */
export function templateProblem(template: string, allowed: readonly string[]): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(name))
      return `unknown placeholder {${name}} (use ${allowed.map((a) => `{${a}}`).join(', ')})`;
  }
  return undefined;
}

/**
 * The address of `ticker` under `template`. A ticker without an exchange drops {exchange} together
 * with the separator before it, so `{envId}.{exchange}.{symbol}` gives `real.AAPL`, not `real..AAPL`.
 */
export function addressOf(template: string, ticker: string, vars: Record<string, string> = {}): string {
  const { exchange, symbol } = splitTicker(ticker);
  const t = exchange ? template : template.replace(/[.:_\-/]?\{exchange\}/g, '');
  return t.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'ticker') return ticker;
    if (name === 'exchange') return exchange;
    if (name === 'symbol') return symbol;
    return vars[name] ?? whole;
  });
}

/** a Redis glob matching every address: their common prefix and suffix around a `*` */
export function globFor(addresses: readonly string[]): string {
  if (addresses.length === 1) return escapeGlob(addresses[0]);
  let prefix = addresses[0];
  let suffix = addresses[0];
  for (const a of addresses) {
    while (!a.startsWith(prefix)) prefix = prefix.slice(0, -1);
    while (!a.endsWith(suffix)) suffix = suffix.slice(1);
  }
  const shortest = Math.min(...addresses.map((a) => a.length));
  if (prefix.length + suffix.length > shortest) suffix = suffix.slice(prefix.length + suffix.length - shortest);
  return `${escapeGlob(prefix)}*${escapeGlob(suffix)}`;
}

const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Turns raw messages into board updates: finds the ticker from the address (or, where several
 * instruments share one address, from the message's symbol), decodes the format and hands the
 * update to the sink. Bad messages go to sink.malformed; nothing here throws.
 */
export class QuoteInbox {
  /** address → the ticker it carries, or a symbol lookup when several tickers share it */
  private readonly routes = new Map<string, string | Map<string, string>>();
  /** tickers that got a live message; a snapshot read later must not overwrite them */
  readonly live = new Set<string>();

  /** `template` names the address of each ticker; one without {ticker} or {symbol} is shared by design */
  constructor(
    tickers: readonly string[],
    template: string,
    vars: Record<string, string>,
    private readonly format: QuoteFormat,
    private readonly mergeUpdates: boolean,
    private readonly sink: QuoteSink,
  ) {
    const perInstrument = /\{(ticker|symbol)\}/.test(template);
    const byAddress = new Map<string, string[]>();
    for (const t of tickers) {
      const a = addressOf(template, t, vars);
      byAddress.set(a, [...(byAddress.get(a) ?? []), t]);
    }
    for (const [address, list] of byAddress) {
      if (list.length === 1 && perInstrument) {
        this.routes.set(address, list[0]);
        continue;
      }
      const bySymbol = new Map<string, string>();
      for (const t of list) bySymbol.set(splitTicker(t).symbol, t);
      for (const t of list) bySymbol.set(t, t); // the full name wins over a bare symbol
      this.routes.set(address, bySymbol);
    }
  }

  get addresses(): string[] {
    return [...this.routes.keys()];
  }

  /**
   * One message from `address`; returns the ticker it updated, if any. `stored`: a value read
   * from storage at (re)connect, older than any live message already applied, so it yields to one.
   */
  deliver(address: string, payload: string | Buffer, receivedAt = Date.now(), stored = false): string | undefined {
    const route = this.routes.get(address);
    if (route === undefined) return undefined; // a pattern subscription also hears instruments nobody asked for
    const decoded = decodeQuote(payload, this.format);
    if (typeof decoded === 'string') {
      this.sink.malformed(decoded, `${address}: ${preview(payload)}`);
      return undefined;
    }
    let ticker: string;
    if (typeof route === 'string') ticker = route;
    else if (decoded.symbol === undefined) {
      this.sink.malformed('no symbol', `${address} carries several instruments; the message names none`);
      return undefined;
    } else ticker = route.get(decoded.symbol) ?? decoded.symbol; // unknown: the sink counts it
    if (stored && this.live.has(ticker)) return undefined;
    if (!stored) this.live.add(ticker);
    const update = decoded.update;
    if (update.timestamp === undefined) update.timestamp = receivedAt;
    this.sink.quote(ticker, this.mergeUpdates ? update : asWholeQuote(update));
    return ticker;
  }
}

function preview(payload: string | Buffer): string {
  const s = typeof payload === 'string' ? payload : payload.toString('utf8', 0, Math.min(payload.length, 120));
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
