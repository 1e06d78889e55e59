// One runner process of several on one account, for the per-strategy books test: a session on a
// `salvo exchange`'s Alpaca API, its keys from APCA_API_KEY_ID / APCA_API_SECRET_KEY as a trader
// sets them. It sends the given orders at its first strategy call and nothing after, and prints its
// report as JSON on stdout when it ends (its run time, or Ctrl-C); its session log goes to stderr.
// argv = JSON: { baseUrl, dataUrl, logDir, tradeLogName, strategyId?, runSeconds, eosBehavior?, onStartOrphans?, firstCall }
import { runTrading, type OrderRequest } from '../../src/index.js';

const args = JSON.parse(process.argv[2]) as {
  baseUrl: string;
  /** the exchange's market data websocket: the runner values its book at the venue's own quotes */
  dataUrl: string;
  logDir: string;
  tradeLogName: string;
  strategyId?: string;
  runSeconds: number;
  eosBehavior?: 'liquidate' | 'hold';
  onStartOrphans?: 'report' | 'adopt' | 'cancel';
  firstCall: OrderRequest[];
};
const report = await runTrading({
  strategy: (ctx) => (ctx.tick === 1 ? args.firstCall : undefined),
  tickers: ['AAPL'],
  frequency: '100ms',
  runSeconds: args.runSeconds,
  eosBehavior: args.eosBehavior,
  onStartOrphans: args.onStartOrphans,
  strategyId: args.strategyId,
  broker: { type: 'alpaca', baseUrl: args.baseUrl },
  quotes: { type: 'alpaca', url: args.dataUrl },
  tradeLogPath: args.logDir,
  tradeLogName: args.tradeLogName,
});
process.stdout.write(`${JSON.stringify(report)}\n`);
