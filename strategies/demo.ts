// npm start: a 60-second session on the embedded default (simulated market + paper exchange),
// no credentials, no servers. Trades the basket strategy in blocks of up to ten legs.
import { runTrading } from '../src/index.js';
import basket, { BASKET } from './basket.js';

const report = await runTrading({
  strategy: basket,
  tickers: BASKET,
  frequency: 1,
  runSeconds: Number(process.env.SALVO_DEMO_SECONDS ?? 60),
  eosBehavior: 'liquidate',
  tradeLogName: 'demo',
  numWorkers: 4,
  liveDisplay: Boolean(process.stdout.isTTY),
  quotes: { type: 'sim', volatility: 1.5 },
});

const c = report.orders;
console.log(`
salvo demo finished (${report.endReason}) after ${report.ticks} strategy calls
  orders      ${c.total} total: ${c.filled} filled, ${c.canceled} canceled, ${c.rejected} rejected, ${c.failed} failed
  blocks      ${report.blocks.length}, median strategy-return → last ack ${median(report.blocks.map((b) => b.ackMs)).toFixed(2)} ms
  P&L         realized ${report.realizedPnl.toFixed(2)}, unrealized ${report.unrealizedPnl.toFixed(2)}
  trade log   ${report.tradeLogFile}
`);

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
