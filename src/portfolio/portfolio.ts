// Positions and P&L from the fills salvo sees. Average-cost accounting: adding to a position
// moves its average entry price; reducing it realizes P&L on the part closed at that average;
// a fill through zero closes the old side and opens the rest at the fill price.
import type { Position, Side } from '../types.js';

/** fills arrive as floating-point fractions; anything smaller than this is flat */
const FLAT = 1e-9;

interface Holding {
  /** signed: short < 0 */
  quantity: number;
  /** average entry price of the open quantity */
  boughtAt: number;
}

export class Portfolio {
  private readonly holdings = new Map<string, Holding>();
  private realized = 0;

  /** P&L closed so far in this session */
  get realizedPnl(): number {
    return this.realized;
  }

  /** starts from what the broker already holds; replaces any positions held here */
  seed(positions: ReadonlyArray<{ ticker: string; quantity: number; avgEntryPrice: number }>): void {
    this.holdings.clear();
    for (const p of positions) {
      if (Math.abs(p.quantity) < FLAT) continue;
      const held = this.holdings.get(p.ticker);
      if (held) {
        // the same ticker listed twice: merge at the combined average
        const quantity = held.quantity + p.quantity;
        if (Math.abs(quantity) < FLAT) this.holdings.delete(p.ticker);
        else
          this.holdings.set(p.ticker, {
            quantity,
            boughtAt: (held.quantity * held.boughtAt + p.quantity * p.avgEntryPrice) / quantity,
          });
      } else {
        this.holdings.set(p.ticker, { quantity: p.quantity, boughtAt: p.avgEntryPrice });
      }
    }
  }

  /** books one fill (or the newly filled part of an order); returns the P&L it realized */
  applyFill(ticker: string, side: Side, qty: number, price: number): { realized: number } {
    if (!Number.isFinite(qty) || qty < 0)
      throw new RangeError(`fill for ${ticker}: quantity must be a non-negative number, got ${qty}`);
    if (!Number.isFinite(price) || price < 0)
      throw new RangeError(`fill for ${ticker}: price must be a non-negative number, got ${price}`);
    if (qty < FLAT) return { realized: 0 };
    const signed = side === 'buy' ? qty : -qty;
    const held = this.holdings.get(ticker);
    if (!held || Math.sign(held.quantity) === Math.sign(signed)) {
      const before = held?.quantity ?? 0;
      const quantity = before + signed;
      const boughtAt = held ? (Math.abs(before) * held.boughtAt + qty * price) / Math.abs(quantity) : price;
      this.holdings.set(ticker, { quantity, boughtAt });
      return { realized: 0 };
    }
    // against the position: close up to its size at the average, then whatever is left opens the other side
    const closed = Math.min(qty, Math.abs(held.quantity));
    const realized = closed * (price - held.boughtAt) * Math.sign(held.quantity);
    this.realized += realized;
    const quantity = held.quantity + signed;
    if (Math.abs(quantity) < FLAT) this.holdings.delete(ticker);
    else if (Math.sign(quantity) === Math.sign(held.quantity)) held.quantity = quantity;
    else this.holdings.set(ticker, { quantity, boughtAt: price });
    return { realized };
  }

  /** signed quantity held; 0 when flat */
  quantity(ticker: string): number {
    return this.holdings.get(ticker)?.quantity ?? 0;
  }

  /** open positions as a broker reports them (the shape seed() takes) */
  held(): Array<{ ticker: string; quantity: number; avgEntryPrice: number }> {
    return [...this.holdings].map(([ticker, h]) => ({ ticker, quantity: h.quantity, avgEntryPrice: h.boughtAt }));
  }

  /** open positions valued at `markPrice`; a ticker without a mark is valued at its entry price */
  positions(markPrice: (ticker: string) => number | undefined): Position[] {
    const out: Position[] = [];
    for (const [ticker, { quantity, boughtAt }] of this.holdings) {
      const mark = markOf(markPrice(ticker), boughtAt);
      out.push({
        ticker,
        quantity,
        boughtAt,
        costBasis: quantity * boughtAt,
        marketValue: quantity * mark,
        unrealizedPnl: (mark - boughtAt) * quantity,
      });
    }
    return out;
  }

  unrealizedPnl(markPrice: (ticker: string) => number | undefined): number {
    let total = 0;
    for (const [ticker, { quantity, boughtAt }] of this.holdings)
      total += (markOf(markPrice(ticker), boughtAt) - boughtAt) * quantity;
    return total;
  }
}

function markOf(mark: number | undefined, boughtAt: number): number {
  return mark !== undefined && Number.isFinite(mark) && mark > 0 ? mark : boughtAt;
}
