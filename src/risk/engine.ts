// The pre-trade check: every validated leg of a block against the limits and the trading state,
// counting what open orders and the block's own earlier legs would add (pending exposure), before
// anything reaches the rate limiter. Runs on the main thread, in the strategy's call stack.
import type { CheckedRequest } from '../execution/validate.js';
import type { OrderEvent } from '../execution/order-registry.js';
import { duplicateKey, OpenExposure, type OpenQty } from './exposure.js';
import type { RiskLimits } from './options.js';
import { TradingState, type TradingStateName } from './state.js';

/** what the checks read: the board, the portfolio and the session's phase */
export interface MarketView {
  /** mid (or last) and the quote's own time, epoch ms; undefined before the first quote */
  quote(ticker: string): { mid: number; at: number } | undefined;
  /** signed quantity held */
  position(ticker: string): number;
  /** every ticker held, signed quantity */
  held(): Iterable<{ ticker: string; quantity: number }>;
  /** end of session or a kill is closing positions out: orders that only reduce always pass */
  closingOut(): boolean;
  now(): number;
}

export type { Refusal } from './state.js';
import type { Refusal } from './state.js';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const signed = (v: number) => (v < 0 ? `-${fmt(-v)}` : fmt(v));

/** running totals while one block is checked: what its earlier passing legs add */
interface BlockTally {
  open: Map<string, OpenQty>;
  legs: number;
  gross: number;
  net: number;
}

export class RiskEngine {
  readonly open = new OpenExposure();
  readonly state = new TradingState();
  readonly refusals: Record<string, number> = {};
  /** times of orders that passed, for maxOrdersPerMinute (oldest first) */
  private sent: number[] = [];
  private sentHead = 0;

  constructor(
    readonly limits: RiskLimits | undefined,
    private readonly view: MarketView,
  ) {}

  onOrderEvent(e: OrderEvent): void {
    this.open.onEvent(e);
  }

  /**
   * One verdict per leg: undefined passes, a Refusal is refused. `undefined` legs failed
   * validation already; under all-or-none they refuse the whole block too.
   */
  check(legs: ReadonlyArray<CheckedRequest | undefined>): Array<Refusal | undefined> {
    const out: Array<Refusal | undefined> = new Array(legs.length).fill(undefined);
    const lim = this.limits;
    const tally: BlockTally = { open: new Map(), legs: 0, gross: 0, net: 0 };
    if (lim && (lim.maxGrossExposure !== undefined || lim.maxNetExposure !== undefined)) this.exposureNow(tally);
    const now = this.view.now();
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i];
      if (!leg) continue;
      const quote = this.view.quote(leg.ticker);
      const refusal = this.checkLeg(leg, quote, legs.length, tally, now);
      if (refusal) out[i] = refusal;
      else this.count(leg, leg.limitPrice ?? quote?.mid ?? 0, tally);
    }
    if (lim?.blockPolicy === 'all-or-none') this.allOrNone(legs, out);
    for (let i = 0; i < legs.length; i++) {
      const r = out[i];
      if (r) this.refusals[r.rule] = (this.refusals[r.rule] ?? 0) + 1;
      else if (legs[i] && lim?.maxOrdersPerMinute !== undefined) this.sent.push(now);
    }
    return out;
  }

  private allOrNone(legs: ReadonlyArray<CheckedRequest | undefined>, out: Array<Refusal | undefined>): void {
    const first = legs.findIndex((leg, i) => !leg || out[i]);
    if (first < 0) return;
    const why = out[first]?.reason ?? 'it failed validation';
    for (let i = 0; i < legs.length; i++) {
      if (legs[i] && !out[i])
        out[i] = {
          rule: 'blockPolicy',
          reason: `risk: blockPolicy all-or-none: leg ${first} (${legs[first]?.ticker ?? 'invalid'}) was refused, so the whole block is: ${why.replace(/^risk: /, '')}`,
        };
    }
  }

  private checkLeg(
    leg: CheckedRequest,
    quote: { mid: number; at: number } | undefined,
    blockLegs: number,
    tally: BlockTally,
    now: number,
  ): Refusal | undefined {
    const pos = this.view.position(leg.ticker);
    const openQty = this.openOf(leg.ticker, tally);
    const sign = leg.side === 'buy' ? 1 : -1;
    const pending = leg.side === 'buy' ? openQty.buy : -openQty.sell;
    const projected = pos + pending + sign * leg.quantity;
    const reduces =
      Math.abs(projected) <= Math.abs(pos + pending) + 1e-9 && Math.sign(projected || pos) === Math.sign(pos);
    if (reduces && this.view.closingOut()) return undefined;
    const stateRefusal = this.state.refuses(leg, reduces, pos);
    if (stateRefusal) return stateRefusal;
    const lim = this.limits;
    if (!lim) return undefined;
    const price = leg.limitPrice ?? quote?.mid;
    return (
      this.perOrder(lim, leg, quote, price, now) ??
      (reduces ? undefined : this.perPosition(lim, leg, { pos, pending, projected, price, tally })) ??
      this.perBlock(lim, leg, blockLegs, tally, now)
    );
  }

  private perOrder(
    lim: RiskLimits,
    leg: CheckedRequest,
    quote: { mid: number; at: number } | undefined,
    price: number | undefined,
    now: number,
  ): Refusal | undefined {
    const t = leg.ticker;
    if (lim.maxOrderQuantity !== undefined && leg.quantity > lim.maxOrderQuantity) {
      return {
        rule: 'maxOrderQuantity',
        reason: `risk: maxOrderQuantity ${fmt(lim.maxOrderQuantity)} for ${t}: this ${leg.side} is ${fmt(leg.quantity)}`,
      };
    }
    if (lim.maxQuoteAgeMs !== undefined && leg.orderType === 'market') {
      if (!quote)
        return {
          rule: 'maxQuoteAgeMs',
          reason: `risk: maxQuoteAgeMs ${lim.maxQuoteAgeMs} for ${t}: no quote yet, so the price a market order fills at is unknown`,
        };
      if (quote.at > 0 && now - quote.at > lim.maxQuoteAgeMs) {
        return {
          rule: 'maxQuoteAgeMs',
          reason: `risk: maxQuoteAgeMs ${lim.maxQuoteAgeMs} for ${t}: the last quote is ${now - quote.at} ms old, so the price a market order fills at is unknown`,
        };
      }
    }
    if (lim.priceBandPct !== undefined && leg.limitPrice !== undefined && quote && quote.mid > 0) {
      const through = leg.side === 'buy' ? leg.limitPrice / quote.mid - 1 : 1 - leg.limitPrice / quote.mid;
      if (through * 100 > lim.priceBandPct + 1e-9) {
        return {
          rule: 'priceBandPct',
          reason: `risk: priceBandPct ${lim.priceBandPct} for ${t}: ${leg.side} limit ${fmt(leg.limitPrice)} is ${(through * 100).toFixed(2)}% ${leg.side === 'buy' ? 'above' : 'below'} the mid ${quote.mid.toFixed(2)}`,
        };
      }
    }
    if (
      lim.maxOrderNotional !== undefined &&
      price !== undefined &&
      leg.quantity * price > lim.maxOrderNotional + 1e-9
    ) {
      return {
        rule: 'maxOrderNotional',
        reason: `risk: maxOrderNotional ${fmt(lim.maxOrderNotional)} for ${t}: ${fmt(leg.quantity)} × ${price.toFixed(2)} = ${(leg.quantity * price).toFixed(2)}`,
      };
    }
    return undefined;
  }

  private perPosition(
    lim: RiskLimits,
    leg: CheckedRequest,
    p: { pos: number; pending: number; projected: number; price: number | undefined; tally: BlockTally },
  ): Refusal | undefined {
    const t = leg.ticker;
    const sum = `position ${signed(p.pos)} + open ${signed(p.pending)} + this ${signed(leg.side === 'buy' ? leg.quantity : -leg.quantity)} = ${signed(p.projected)}`;
    const maxQty = perTicker(lim.maxPositionQuantity, t);
    if (maxQty !== undefined && Math.abs(p.projected) > maxQty + 1e-9)
      return { rule: 'maxPositionQuantity', reason: `risk: maxPositionQuantity ${fmt(maxQty)} for ${t}: ${sum}` };
    const maxValue = perTicker(lim.maxPositionNotional, t);
    if (maxValue !== undefined && p.price !== undefined && Math.abs(p.projected) * p.price > maxValue + 1e-9) {
      return {
        rule: 'maxPositionNotional',
        reason: `risk: maxPositionNotional ${fmt(maxValue)} for ${t}: (${sum}) × ${p.price.toFixed(2)} = ${(Math.abs(p.projected) * p.price).toFixed(2)}`,
      };
    }
    if (!lim.allowShort && p.projected < -1e-9)
      return { rule: 'allowShort', reason: `risk: allowShort false for ${t}: ${sum} would be short` };
    if (p.price === undefined) return undefined;
    const value = leg.quantity * p.price;
    if (lim.maxGrossExposure !== undefined && p.tally.gross + value > lim.maxGrossExposure + 1e-9) {
      return {
        rule: 'maxGrossExposure',
        reason: `risk: maxGrossExposure ${fmt(lim.maxGrossExposure)}: held and open ${p.tally.gross.toFixed(2)} + this ${value.toFixed(2)} = ${(p.tally.gross + value).toFixed(2)}`,
      };
    }
    const net = p.tally.net + (leg.side === 'buy' ? value : -value);
    if (
      lim.maxNetExposure !== undefined &&
      Math.abs(net) > lim.maxNetExposure + 1e-9 &&
      Math.abs(net) > Math.abs(p.tally.net)
    ) {
      return {
        rule: 'maxNetExposure',
        reason: `risk: maxNetExposure ${fmt(lim.maxNetExposure)}: held and open ${p.tally.net.toFixed(2)} + this ${(net - p.tally.net).toFixed(2)} = ${net.toFixed(2)}`,
      };
    }
    return undefined;
  }

  private perBlock(
    lim: RiskLimits,
    leg: CheckedRequest,
    blockLegs: number,
    tally: BlockTally,
    now: number,
  ): Refusal | undefined {
    if (lim.maxLegsPerBlock !== undefined && blockLegs > lim.maxLegsPerBlock) {
      return {
        rule: 'maxLegsPerBlock',
        reason: `risk: maxLegsPerBlock ${lim.maxLegsPerBlock}: this block has ${blockLegs} legs`,
      };
    }
    if (lim.maxOpenOrders !== undefined && this.open.openOrders + tally.legs + 1 > lim.maxOpenOrders) {
      return {
        rule: 'maxOpenOrders',
        reason: `risk: maxOpenOrders ${lim.maxOpenOrders}: open ${this.open.openOrders} + earlier legs of this block ${tally.legs} + this 1 = ${this.open.openOrders + tally.legs + 1}`,
      };
    }
    if (lim.maxOrdersPerMinute !== undefined) {
      const inLastMinute = this.sentWithin(now - 60_000) + tally.legs;
      if (inLastMinute + 1 > lim.maxOrdersPerMinute) {
        return {
          rule: 'maxOrdersPerMinute',
          reason: `risk: maxOrdersPerMinute ${lim.maxOrdersPerMinute}: ${inLastMinute} sent in the last minute + this 1 = ${inLastMinute + 1}`,
        };
      }
    }
    if (lim.duplicateWindowMs !== undefined) {
      const first = this.open.duplicateOf(duplicateKey(leg.ticker, leg.side, leg.quantity, leg.limitPrice));
      if (first && now - first.at <= lim.duplicateWindowMs) {
        return {
          rule: 'duplicateWindowMs',
          reason: `risk: duplicateWindowMs ${lim.duplicateWindowMs}: the same ${leg.side} ${fmt(leg.quantity)} ${leg.ticker} ${leg.limitPrice === undefined ? 'market' : `limit ${fmt(leg.limitPrice)}`} was sent ${Math.round(now - first.at)} ms ago and is still open (${first.id})`,
        };
      }
    }
    return undefined;
  }

  /** orders passed since `since` (drops older ones as it goes) */
  private sentWithin(since: number): number {
    while (this.sentHead < this.sent.length && this.sent[this.sentHead] < since) this.sentHead++;
    if (this.sentHead > 4096) {
      this.sent = this.sent.slice(this.sentHead);
      this.sentHead = 0;
    }
    return this.sent.length - this.sentHead;
  }

  private openOf(ticker: string, tally: BlockTally): OpenQty {
    const book = this.open.of(ticker);
    const block = tally.open.get(ticker);
    if (!block) return book ?? { buy: 0, sell: 0 };
    return { buy: (book?.buy ?? 0) + block.buy, sell: (book?.sell ?? 0) + block.sell };
  }

  /** a passing leg's share of the block's pending exposure */
  private count(leg: CheckedRequest, price: number, tally: BlockTally): void {
    tally.legs++;
    let q = tally.open.get(leg.ticker);
    if (!q) tally.open.set(leg.ticker, (q = { buy: 0, sell: 0 }));
    q[leg.side] += leg.quantity;
    tally.gross += leg.quantity * price;
    tally.net += (leg.side === 'buy' ? 1 : -1) * leg.quantity * price;
  }

  /** gross and net of what is held and open now, each at its mid (or entry price before a quote) */
  private exposureNow(tally: BlockTally): void {
    const seen = new Set<string>();
    const add = (ticker: string) => {
      if (seen.has(ticker)) return;
      seen.add(ticker);
      const mark = this.view.quote(ticker)?.mid ?? 0;
      const pos = this.view.position(ticker);
      const o = this.open.of(ticker) ?? { buy: 0, sell: 0 };
      tally.gross += (Math.abs(pos) + o.buy + o.sell) * mark;
      tally.net += (pos + o.buy - o.sell) * mark;
    };
    for (const h of this.view.held()) add(h.ticker);
    for (const ticker of this.open.byTicker.keys()) add(ticker);
  }

  /** report.risk */
  summary(): {
    state: TradingStateName;
    refusals: { total: number; byRule: Record<string, number> };
    breaches: ReturnType<TradingState['breachList']>;
  } {
    const total = Object.values(this.refusals).reduce((a, b) => a + b, 0);
    return {
      state: this.state.current,
      refusals: { total, byRule: { ...this.refusals } },
      breaches: this.state.breachList(),
    };
  }
}

function perTicker(limit: number | Record<string, number> | undefined, ticker: string): number | undefined {
  return typeof limit === 'object' ? limit[ticker] : limit;
}
