// The publishing side of the sources benchmark, in its own thread: quotes stamped with the time
// they are handed over (epoch ms with µs), round-robin over the instruments, at a fixed rate.
// Redis: `raw` writes PUBLISH commands straight to a socket, standing in for a desk's feed
// handler, so the figure is the source's and not ioredis's client-side cost; otherwise salvo's
// own publisher. Posts 'ready' once connected, starts on 'go', posts the count when done.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { createPublisher, type PublisherOptions } from '../../src/market/publisher.js';
import { addressOf } from '../../src/market/sources/addressing.js';
import type { QuoteUpdate } from '../../src/market/sources/source.js';
import { encodeQuote } from '../../src/market/sources/wire-format.js';

const { options, tickers, rate, seconds, raw } = workerData as {
  options: PublisherOptions;
  tickers: string[];
  rate: number;
  seconds: number;
  raw?: boolean;
};
const port = parentPort!;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sender {
  send(ticker: string, u: QuoteUpdate): boolean;
  tick(): void;
  drain(): Promise<void>;
  close(): Promise<void>;
}

async function rawRedis(): Promise<Sender> {
  const url = new URL(options.url!);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('data', () => undefined); // integer replies: subscriber counts, not needed
  const channels = new Map(tickers.map((t) => [t, addressOf(options.channel ?? '{ticker}', t)]));
  let out = '';
  return {
    send(ticker, u) {
      const channel = channels.get(ticker)!;
      const payload = encodeQuote(ticker, u, options.format);
      out += `*3\r\n$7\r\nPUBLISH\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n$${Buffer.byteLength(payload)}\r\n${payload}\r\n`;
      return true;
    },
    tick() {
      if (out) {
        socket.write(out);
        out = '';
      }
    },
    drain: async () => undefined,
    async close() {
      socket.end();
    },
  };
}

async function salvoPublisher(): Promise<Sender> {
  const p = await createPublisher(options, tickers);
  // new Kafka partitions answer 'not the leader' for a while: one quote each until every one takes it
  for (const t of tickers) p.send(t, { bid: 1, ask: 1.01, timestamp: now() - 60_000 });
  await p.flush();
  return {
    send: (t, u) => p.send(t, u),
    tick: () => undefined,
    drain: () => p.flush().catch(() => undefined),
    close: async () => {
      await p.flush().catch(() => undefined);
      await p.close();
    },
  };
}

const sender = raw ? await rawRedis() : await salvoPublisher();
port.postMessage({ type: 'ready' });
await new Promise((resolve) => port.once('message', resolve));

const n = tickers.length;
const quote = (i: number): QuoteUpdate => {
  const p = 100 + (Math.floor(i / n) % 100) / 100; // walks up a dollar and starts again
  return {
    bid: p,
    ask: p + 0.02,
    bidSize: 100,
    askSize: 120,
    last: p + 0.01,
    lastSize: 5,
    bid2: p - 0.01,
    bid3: p - 0.02,
    ask2: p + 0.03,
    ask3: p + 0.04,
    bidSize2: 200,
    bidSize3: 300,
    askSize2: 220,
    askSize3: 320,
    refPrice: 100,
    volume: i,
    timestamp: now(),
  };
};
const started = performance.now();
let sent = 0;
for (;;) {
  const elapsed = performance.now() - started;
  if (elapsed >= seconds * 1000) break;
  // rate 0: as fast as the bus takes them
  const due = rate ? Math.floor((rate * elapsed) / 1000) : sent + 5000;
  let behind = false;
  while (sent < due && !behind) behind = !sender.send(tickers[sent % n], quote(sent++));
  sender.tick();
  // the bus is behind: let it catch up (the offered rate then falls short, and the figures say so)
  if (behind || !rate) await sender.drain();
  else await sleep(1);
}
const ms = performance.now() - started;
await sender.close();
port.postMessage({ type: 'done', sent, ms });
