// A runner's books on an account it may share with other runners. Its own book is the fills of
// orders carrying its strategy id: the report's positions and P&L, what liquidation closes. Other
// runners' fills are noted by their strategy id from the account's update stream (Alpaca streams
// every order on the account), so that reconciliation can explain the broker's positions as held
// at start + own fills + theirs, and a manual trade on the account still shows as a mismatch.
import type { BrokerPosition, TradeUpdate } from '../brokers/broker.js';
import { strategyOf } from '../orders/order.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { AccountBook } from '../types.js';

export class RunnerBooks {
  /** this runner's fills only */
  readonly own = new Portfolio();
  /** other runners' net fills, by strategy id, then ticker */
  private readonly others = new Map<string, Map<string, number>>();

  private warnedSameId = false;

  constructor(
    readonly strategyId: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** an update for an order this session does not know: a fill of another runner's is noted */
  noteForeign(update: TradeUpdate): void {
    const strategy = strategyOf(update.order.clientOrderId);
    const placed = update.event === 'new' || update.event === 'pending_new';
    if (strategy === this.strategyId && placed && !this.warnedSameId) {
      // placed now with our id, not by us (an orphan of an earlier run is placed already): another
      // runner on the account shares the id, and neither book can tell the two apart
      this.warnedSameId = true;
      this.warn(
        `order ${update.order.clientOrderId} was just placed with this runner's strategy id '${strategy}', not by this session: another runner on the account uses the same strategyId; give each its own`,
      );
    }
    if (!update.fill || !strategy || strategy === this.strategyId) return;
    const { qty } = update.fill;
    if (!Number.isFinite(qty) || qty <= 0) return;
    const byTicker = this.others.get(strategy) ?? new Map<string, number>();
    this.others.set(strategy, byTicker);
    const { ticker, side } = update.order;
    byTicker.set(ticker, (byTicker.get(ticker) ?? 0) + (side === 'buy' ? qty : -qty));
  }

  /** what other runners' fills added to `ticker` during this session */
  othersHold(ticker: string): number {
    let total = 0;
    for (const byTicker of this.others.values()) total += byTicker.get(ticker) ?? 0;
    return total;
  }

  /**
   * What the broker should hold when every fill is accounted for: `account` (held at start + own
   * fills) plus other runners' fills. The shape comparePositions reads.
   */
  expected(account: Portfolio): { held(): Array<{ ticker: string }>; quantity(ticker: string): number } {
    const tickers = new Set(account.held().map((p) => p.ticker));
    for (const byTicker of this.others.values()) for (const t of byTicker.keys()) tickers.add(t);
    return {
      held: () => [...tickers].map((ticker) => ({ ticker })),
      quantity: (t) => account.quantity(t) + this.othersHold(t),
    };
  }

  /** the account at the end for the report: the broker's positions, valued at `mark` */
  account(held: readonly BrokerPosition[], mark: (ticker: string) => number | undefined): AccountBook {
    const book = new Portfolio();
    book.seed(held);
    const otherRunners: AccountBook['otherRunners'] = {};
    for (const [strategy, byTicker] of this.others) otherRunners[strategy] = Object.fromEntries(byTicker);
    return { positions: book.positions(mark), unrealizedPnl: book.unrealizedPnl(mark), otherRunners };
  }
}
