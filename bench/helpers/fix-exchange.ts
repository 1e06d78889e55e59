// The exchange the FIX diagnostics run against: 50 ms latency, any counterparty, sim quotes.
import { startExchange } from '../../src/exchange/exchange.js';

export const startFixExchange = (tickers: string[]) =>
  startExchange({
    tickers,
    keyId: 'PKFIXDIAG00000000001',
    secretKey: 'fix-diag-secret-000111',
    latencyMs: 50,
    cash: 1e12,
    fixPort: 0,
    fix: { targetCompId: '*' },
    quotes: { type: 'sim', seed: 1, updatesPerSecond: 5, size: 1e6 },
  });
