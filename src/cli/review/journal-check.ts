// `salvo review` reads the order journal beside a salvo CSV (<name>.journal) as well: for a session
// that crashed (or whose disk filled) it names the orders the CSV cannot account for — journaled
// orders with no terminal row — with what the journal last knew of each: final there (the CSV lost
// the row; a resume writes it), or not final anywhere (only the broker knows now; a resume asks it).
import fs from 'node:fs';
import { isTerminal, type Order } from '../../orders/order.js';
import { JournalError, readJournal } from '../../journal/journal.js';

/** at most this many orders are listed by id (the count is always whole) */
const LISTED = 50;

export interface JournalCheck {
  /** the journal read */
  file: string;
  /** orders with an intent in the journal */
  journaled: number;
  /** journaled orders with no terminal row in the CSV */
  unaccounted: {
    count: number;
    /** final in the journal, but the CSV lost the row */
    finalInJournal: number;
    orders: Array<{ id: string; ticker: string; side: string; lastInJournal: string }>;
  };
  /** what was skipped in the journal (a torn tail, a corrupt record), or why it could not be read */
  warnings: string[];
}

/** the journal beside `csvFile`, if there is one */
export function journalBeside(csvFile: string): string | undefined {
  const file = csvFile.replace(/\.csv$/i, '.journal');
  return file !== csvFile && fs.existsSync(file) ? file : undefined;
}

/** Compares a journal with the CSV's terminal rows (`terminalOf` answers from the review of that CSV). */
export function checkJournal(file: string, terminalOf: (id: string) => string | undefined): JournalCheck {
  const check: JournalCheck = {
    file,
    journaled: 0,
    unaccounted: { count: 0, finalInJournal: 0, orders: [] },
    warnings: [],
  };
  let contents: ReturnType<typeof readJournal>;
  try {
    contents = readJournal(file);
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    check.warnings.push(error.message);
    return check;
  }
  check.warnings.push(...contents.warnings);
  const last = new Map<string, string>();
  for (const s of contents.statuses) last.set(s.id, s.status);
  const seen = new Set<string>();
  for (const { order } of contents.intents) {
    if (seen.has(order.clientOrderId)) continue;
    seen.add(order.clientOrderId);
    if (terminalOf(order.clientOrderId)) continue;
    const status = last.get(order.clientOrderId) ?? 'intent only (sent or not: unknown)';
    check.unaccounted.count++;
    if (isTerminal(status as Order['status'])) check.unaccounted.finalInJournal++;
    if (check.unaccounted.orders.length < LISTED)
      check.unaccounted.orders.push({
        id: order.clientOrderId,
        ticker: order.ticker,
        side: order.side,
        lastInJournal: status,
      });
  }
  check.journaled = seen.size;
  return check;
}
