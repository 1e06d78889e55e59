// Reads a trade log the way a trader would check it: by client order id, from the CSV alone.
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { TRADE_LOG_COLUMNS } from '../../src/journal/trade-log.js';

export type Row = Record<(typeof TRADE_LOG_COLUMNS)[number], string>;
export const TERMINAL = ['filled', 'canceled', 'rejected', 'expired', 'failed'];

export function readLog(file: string): Row[] {
  const text = fs.readFileSync(file, 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Row[];
  if (rows.length) {
    const header = text.slice(0, text.indexOf('\n')).split(',');
    if (header.join(',') !== TRADE_LOG_COLUMNS.join(',')) throw new Error(`unexpected columns: ${header}`);
  }
  return rows;
}

export interface OrderHistory {
  id: string;
  rows: Row[];
  terminal: Row[];
}

export function byOrder(rows: Row[]): Map<string, OrderHistory> {
  const out = new Map<string, OrderHistory>();
  for (const row of rows) {
    let h = out.get(row.client_order_id);
    if (!h) out.set(row.client_order_id, (h = { id: row.client_order_id, rows: [], terminal: [] }));
    h.rows.push(row);
    if (TERMINAL.includes(row.status)) h.terminal.push(row);
  }
  return out;
}

/** net filled quantity per ticker, from each order's last row */
export function netPositions(orders: Map<string, OrderHistory>): Record<string, number> {
  const net: Record<string, number> = {};
  for (const h of orders.values()) {
    const last = h.rows[h.rows.length - 1];
    const qty = Number(last.executed_qty) * (last.side === 'buy' ? 1 : -1);
    net[last.ticker] = (net[last.ticker] ?? 0) + qty;
  }
  return net;
}

export function countTerminal(orders: Map<string, OrderHistory>): Record<string, number> {
  const c: Record<string, number> = Object.fromEntries(TERMINAL.map((s) => [s, 0]));
  for (const h of orders.values()) for (const t of h.terminal) c[t.status]++;
  return c;
}
