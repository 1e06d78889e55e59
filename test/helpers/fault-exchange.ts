// salvo's exchange (Alpaca face) in a process of its own, for the fault suite: prints its URLs as
// one JSON line, then answers each 'state' line on stdin with the venue's side of the story (how
// often each client order id was created, each order's final state, the positions) as JSON.
// Argument: JSON { tickers, failureRate?, timeoutRate? }.
import readline from 'node:readline';
import { quoted, startAlpacaExchange } from './alpaca-exchange.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { tickers: string[]; failureRate?: number; timeoutRate?: number };
const ex = await startAlpacaExchange({
  tickers: args.tickers,
  venue: { failureRate: args.failureRate ?? 0, timeoutRate: args.timeoutRate ?? 0 },
});
await quoted(ex.board);
process.stdout.write(`${JSON.stringify({ restUrl: ex.server.restUrl, streamUrl: ex.server.streamUrl })}\n`);
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line.trim() !== 'state') continue;
  const created = [...ex.server.createdPerClientOrderId()];
  const orders = created.map(([id]) => ({ id, ...ex.venue.getOrder(id)! }));
  process.stdout.write(`${JSON.stringify({ created, orders, positions: ex.venue.positions() })}\n`);
}
await ex.close();
