// What a position is worth now: the price every P&L figure (strategy ctx, risk, display, report)
// marks against, read from the quote board.
import type { QuoteBoard } from './quote-board.js';

/** mid of the latest quote, or last trade; undefined before the first quote */
export function markOf(board: QuoteBoard, ticker: string): number | undefined {
  if (!board.has(ticker)) return undefined;
  const slot = board.slotOf(ticker);
  if (board.updates(slot) === 0) return undefined;
  return board.mid(slot);
}
