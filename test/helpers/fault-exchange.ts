// salvo's exchange in a process of its own, for the fault suite: its Alpaca face, or with "fix"
// its FIX 4.4 acceptor too; prints its URLs (and FIX port) as one JSON line, then answers each
// 'state' line on stdin with the venue's side of the story (how often each client order id reached
// it, each order's final state, the positions) as JSON.
// Argument: JSON { tickers, failureRate?, timeoutRate?, fix? }.
import readline from 'node:readline';
import type { WireOrder } from '../../src/brokers/broker.js';
import { quoted, startAlpacaExchange } from './alpaca-exchange.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  tickers: string[];
  failureRate?: number;
  timeoutRate?: number;
  fix?: boolean;
};
const ex = await startAlpacaExchange({
  tickers: args.tickers,
  venue: { failureRate: args.failureRate ?? 0, timeoutRate: args.timeoutRate ?? 0 },
  fixPort: args.fix ? 0 : undefined,
});
// over FIX every NewOrderSingle reaches venue.submit (a refused one too): count them all, so a
// client order id sent twice shows even when the venue refuses the second as a duplicate
const arrived = new Map<string, number>();
if (args.fix) {
  const submit = ex.venue.submit.bind(ex.venue);
  ex.venue.submit = (order: WireOrder) => {
    arrived.set(order.clientOrderId, (arrived.get(order.clientOrderId) ?? 0) + 1);
    return submit(order);
  };
}
await quoted(ex.board);
process.stdout.write(
  `${JSON.stringify({ restUrl: ex.server.restUrl, streamUrl: ex.server.streamUrl, fixPort: ex.fixPort })}\n`,
);
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line.trim() !== 'state') continue;
  const created = args.fix
    ? [...arrived].filter(([id]) => ex.venue.getOrder(id))
    : [...ex.server.createdPerClientOrderId()];
  const orders = created.map(([id]) => ({ id, ...ex.venue.getOrder(id)! }));
  process.stdout.write(`${JSON.stringify({ created, orders, positions: ex.venue.positions() })}\n`);
}
await ex.close();
