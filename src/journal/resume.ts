// Resume after a crash: rebuild the session's orders and portfolio from its journal, then ask the
// broker for every order the journal left open and write what happened meanwhile, with the broker's
// times. An intent the broker never saw is marked failed ('not sent (crash)') and never resent;
// orders still open are adopted (tracked, and closed at the end of session like any other).
import type { ResumeReport } from '../types.js';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Broker, BrokerOrderState } from '../brokers/broker.js';
import { OrderRegistry } from '../execution/order-registry.js';
import { isTerminal, toWire, type Order } from '../orders/order.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { Log } from '../util/log.js';
import {
  accountIdentity,
  JournalError,
  NoHeaderError,
  readJournal,
  type JournalContents,
  type StatusRecord,
} from './journal.js';
import type { TradeLog } from './trade-log.js';

export interface Replayed {
  sessionTag: string;
  blockSeq: number;
  /** each order's last journaled status (for rows the CSV lost) */
  last: Map<string, StatusRecord>;
}

/** What the CSV already says: the orders it closed (their terminal rows) and its blocks. */
export interface CsvSeen {
  inCsv: Set<string>;
  /** each closed order's terminal row, for orders whose final status the journal lost (a full disk) */
  closedInCsv: Map<
    string,
    { status: Order['status']; filledQty: number; filledAvgPrice: number; at: number; raw: string }
  >;
  /** block ids in the CSV (a block of refused legs only is in the CSV, not in the journal) */
  csvBlocks: Set<string>;
}

/** What a resume starts from: the journal read and checked, and what the CSV already says. */
export interface Prior extends CsvSeen {
  file: string;
  contents: JournalContents;
}

export const journalFileOf = (o: { tradeLogPath: string; tradeLogName: string }): string =>
  path.resolve(o.tradeLogPath, `${o.tradeLogName}.journal`);

export function loadPrior(o: {
  tradeLogPath: string;
  tradeLogName: string;
  broker: { type: string } & Record<string, unknown>;
}): Prior {
  const file = journalFileOf(o);
  const contents = readJournal(file);
  checkJournalOwner(file, contents, o.broker);
  return { file, contents, ...readCsv(path.resolve(o.tradeLogPath, `${o.tradeLogName}.csv`)) };
}

/**
 * A session that does not resume starts a new journal. One left with orders not final by a session
 * that never ended refuses it (resume that session instead); any other old journal is replaced.
 */
export function freshJournal(file: string): void {
  if (!fs.existsSync(file)) return;
  try {
    const contents = readJournal(file);
    const book = new OrderRegistry();
    replayJournal(contents, book, new Portfolio());
    const open = book.open();
    if (open.length)
      throw new JournalError(
        `${file} holds ${open.length} order(s) not final from a session that did not end: resume it (resume: true, salvo run --resume ${contents.headers[0].session}) or move the file away`,
      );
  } catch (error) {
    if (!(error instanceof NoHeaderError)) throw error;
  }
  fs.truncateSync(file, 0);
}

/** Checks a journal belongs to this broker and account; one-line error otherwise. */
export function checkJournalOwner(
  file: string,
  contents: JournalContents,
  broker: { type: string } & Record<string, unknown>,
): void {
  const h = contents.headers[0];
  if (h.broker !== broker.type)
    throw new JournalError(
      `${file} was written for broker '${h.broker}', this session uses '${broker.type}': refusing to resume`,
    );
  if (h.account !== accountIdentity(broker))
    throw new JournalError(
      `${file} was written for another ${h.broker} account (identity ${h.account}, this one ${accountIdentity(broker)}): refusing to resume`,
    );
  if (broker.type === 'paper')
    throw new JournalError(
      `${file}: broker 'paper' runs inside the session's process and its orders ended with it: there is nothing to resume (start a new session)`,
    );
}

/** the highest block number of `tag` among `blockIds` (`<tag>-<n>`), 0 if none */
export function lastBlockSeq(blockIds: Iterable<string>, tag: string): number {
  let last = 0;
  for (const id of blockIds) {
    const dash = id.lastIndexOf('-');
    if (id.slice(0, dash) === tag) last = Math.max(last, Number(id.slice(dash + 1)) || 0);
  }
  return last;
}

/**
 * Rebuilds the orders (into `book`, without events), the portfolio (from the first start's positions
 * and the journaled fills) and, when given, the runner's own book (the journaled fills alone).
 */
export function replayJournal(
  contents: JournalContents,
  book: OrderRegistry,
  portfolio: Portfolio,
  csv: Pick<CsvSeen, 'csvBlocks' | 'closedInCsv'> = { csvBlocks: new Set(), closedInCsv: new Map() },
  own?: Portfolio,
): Replayed {
  const header = contents.headers[0];
  portfolio.seed(header.positions);
  const scratch = new OrderRegistry();
  scratch.onEvent((e) => {
    if (!e.fill) return;
    portfolio.applyFill(e.order.ticker, e.order.side, e.fill.qty, e.fill.price);
    own?.applyFill(e.order.ticker, e.order.side, e.fill.qty, e.fill.price);
  });
  for (const i of contents.intents) {
    if (scratch.get(i.order.clientOrderId)) continue;
    scratch.add({
      ...i.order,
      blockId: i.blockId,
      leg: i.leg,
      workerId: i.workerId,
      status: 'queued',
      filledQty: 0,
      filledAvgPrice: 0,
      decidedAt: i.decidedAt,
      attempts: 0,
    });
  }
  const blockSeq = Math.max(
    lastBlockSeq(
      contents.intents.map((i) => i.blockId),
      header.sessionTag,
    ),
    lastBlockSeq(csv.csvBlocks, header.sessionTag),
  );
  const last = new Map<string, StatusRecord>();
  for (const s of contents.statuses) {
    const order = scratch.get(s.id);
    if (!order) continue;
    if (s.brokerOrderId) order.brokerOrderId ??= s.brokerOrderId;
    scratch.move(order, s.status, {
      source: s.source,
      rawStatus: s.raw,
      at: s.at,
      reason: s.reason,
      filledQty: s.filledQty,
      filledAvgPrice: s.filledAvgPrice,
    });
    last.set(s.id, s);
  }
  // the CSV closed it but the journal lost that record (it could not be written): the CSV's row stands
  for (const order of scratch.all()) {
    const row = csv.closedInCsv.get(order.clientOrderId);
    if (row && !isTerminal(order.status))
      scratch.move(order, row.status, {
        source: 'execution',
        rawStatus: row.raw,
        at: row.at,
        filledQty: row.filledQty,
        filledAvgPrice: row.filledAvgPrice,
      });
  }
  for (const order of scratch.all()) book.add(order);
  // before any update reaches `book`: a leg's updates carry the venue's id for it
  for (const a of contents.aliases ?? []) book.alias(a.clientOrderId, a.venueClientOrderId, a.brokerOrderId);
  return { sessionTag: header.sessionTag, blockSeq, last };
}

/** Cuts a torn last CSV row (killed mid-write); lists the orders that already have a terminal row, and the blocks. */
function readCsv(file: string): CsvSeen {
  const out: CsvSeen = { inCsv: new Set(), closedInCsv: new Map(), csvBlocks: new Set() };
  if (!fs.existsSync(file)) return out;
  let text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) {
    fs.truncateSync(file, Buffer.byteLength(text.slice(0, end)));
    text = text.slice(0, end);
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Array<
    Record<string, string>
  >;
  for (const r of rows) {
    const status = r.status as Order['status'];
    if (isTerminal(status)) {
      out.inCsv.add(r.client_order_id);
      out.closedInCsv.set(r.client_order_id, {
        status,
        filledQty: Number(r.executed_qty) || 0,
        filledAvgPrice: Number(r.executed_price) || 0,
        at: Number(r.timestamp) * 1000 || Date.now(),
        raw: r.raw_status,
      });
    }
    out.csvBlocks.add(r.block_id);
  }
  return out;
}

/**
 * With the broker connected and the session's listeners on `book` (CSV, portfolio, journal):
 * settles every journaled order the journal left open, and writes the terminal rows the CSV lost.
 */
export async function settleWithBroker(args: {
  book: OrderRegistry;
  broker: Broker;
  log: Log;
  tradeLog: TradeLog;
  replayed: Replayed;
  inCsv: Set<string>;
}): Promise<Omit<ResumeReport, 'positionMismatches'>> {
  const { book, broker, log, tradeLog, replayed, inCsv } = args;
  const all = [...book.all()];
  const report = { journaled: all.length, settled: 0, adopted: 0, notSent: 0, rowsRestored: 0 };
  for (const order of all) {
    if (!isTerminal(order.status) || inCsv.has(order.clientOrderId)) continue;
    const s = replayed.last.get(order.clientOrderId);
    tradeLog.record({
      order,
      status: order.status,
      rawStatus: s?.raw ?? order.status,
      source: s?.source ?? 'local',
      at: s?.at ?? Date.now(),
      reason: order.reason,
    });
    report.rowsRestored++;
  }
  // FIX asks by the terms it sent (symbol, side): the adapter learns them, and the journaled fills, first
  await broker.recall?.(
    all.map((o) => ({ wire: toWire(o), filledQty: o.filledQty, filledAvgPrice: o.filledAvgPrice })),
  );
  const open = all.filter((o) => !isTerminal(o.status));
  // a leg the venue named itself (a bracket's exit at Alpaca) is asked for by the venue's id
  const states = await inBatches(open, 16, (o) => askBroker(broker, o.venueClientOrderId ?? o.clientOrderId));
  open.forEach((order, i) => {
    const state = states[i];
    if (!state) {
      book.move(order, 'failed', { source: 'local', rawStatus: 'not_sent', reason: 'not sent (crash)' });
      report.notSent++;
      return;
    }
    book.applyUpdate({ event: state.rawStatus, order: state, timestamp: state.updatedAt ?? Date.now() });
    if (isTerminal(order.status)) report.settled++;
    else report.adopted++;
  });
  log.info(
    `resumed from the journal: ${report.journaled} order(s); ${report.settled} settled while down, ${report.adopted} still open (adopted), ${report.notSent} never sent (failed, not resent), ${report.rowsRestored} terminal row(s) restored to the CSV`,
  );
  return report;
}

async function askBroker(broker: Broker, id: string): Promise<BrokerOrderState | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await broker.getOrder(id);
    } catch (error) {
      if (attempt >= 5) throw new Error(`resume: cannot ask the broker for order ${id}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** Rebuilt positions against the broker's: one line per ticker that differs. */
export function comparePositions(
  portfolio: Pick<Portfolio, 'quantity'> & { held(): ReadonlyArray<{ ticker: string }> },
  held: ReadonlyArray<{ ticker: string; quantity: number }>,
): string[] {
  const tickers = new Set([...held.map((p) => p.ticker), ...portfolio.held().map((p) => p.ticker)]);
  const out: string[] = [];
  for (const t of tickers) {
    const theirs = held.filter((p) => p.ticker === t).reduce((n, p) => n + p.quantity, 0);
    const ours = portfolio.quantity(t);
    if (Math.abs(theirs - ours) > 1e-9) out.push(`${t}: salvo has ${ours}, the broker has ${theirs}`);
  }
  return out;
}

export type { ResumeReport };
