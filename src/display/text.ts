// The plain-text snapshot printed when stdout is not a terminal (a pipe, a file, CI): the same
// panes as the dashboard, no escape codes, every few seconds.
import { plain, type Line } from './format.js';
import { executionLines, headerLines, logLines, positionLines, quoteLabel, quoteLines, tradeLines } from './panes.js';
import type { DisplaySnapshot } from './snapshot.js';

export interface TextOptions {
  width?: number;
  /** at most this many quote rows (stale ones first); the rest are summarised */
  maxQuotes?: number;
  maxLogLines?: number;
  /** show the key hint (the dashboard's own header); false for printed snapshots */
  interactive?: boolean;
}

export function renderText(
  s: DisplaySnapshot,
  { width = 100, maxQuotes = 20, maxLogLines = 8, interactive = false }: TextOptions = {},
): string {
  const out: string[] = [];
  const section = (title: string, lines: Line[]) => {
    out.push(`-- ${title.trim()} ${'-'.repeat(Math.max(0, width - title.trim().length - 4))}`);
    for (const l of lines) out.push(plain(l).trimEnd());
  };
  const rule = '='.repeat(width);
  out.push(rule, ...headerLines(s, width, interactive).map((l) => plain(l).trimEnd()));
  section('positions', positionLines(s, width));
  section('trade updates (newest first)', tradeLines(s, width));
  section('execution', executionLines(s, width));
  const quotes = [...s.quotes].sort((a, b) => Number(b.stale) - Number(a.stale));
  const shown = quoteLines({ ...s, quotes: quotes.slice(0, maxQuotes) }, width);
  if (quotes.length > maxQuotes) shown.push([{ text: `... ${quotes.length - maxQuotes} more ticker(s)` }]);
  section(quoteLabel(s), shown);
  section('log', logLines({ ...s, log: s.log.slice(-maxLogLines) }, width));
  out.push(rule);
  return `${out.join('\n')}\n`;
}
