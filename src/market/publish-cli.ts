// npm run publish-quotes -- --to redis|kafka --tickers HNXDS:VN30F2606,HNXDS:VN30F2609 [...]
// Feeds Redis or Kafka from the simulated market, so runTrading({ quotes: { type: 'redis' | 'kafka' } })
// can be tried end to end on one machine, and several runner processes can share one feed.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createPublisher, type PublisherOptions } from './publisher.js';
import { SimulatedMarket } from './sources/sim.js';
import { isEntryPoint } from '../util/entry-point.js';

const number = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function publishCommand(): Command {
  return new Command('publish')
    .description('publish simulated quotes to Redis or Kafka in the snapshot or compact format')
    .addOption(new Option('--to <bus>', 'where to publish').choices(['redis', 'kafka']).makeOptionMandatory())
    .requiredOption('--tickers <list>', 'comma-separated tickers, e.g. HNXDS:VN30F2606,HNXDS:VN30F2609', list)
    .addOption(new Option('--format <format>', 'message format').choices(['snapshot', 'compact']).default('snapshot'))
    .option('--deltas', 'send only the fields that changed (runners need mergeUpdates, the default)', false)
    .option('--rate <n>', 'updates per second per ticker', number('--rate'), 10)
    .option('--seed <n>', 'simulated market seed', (v) => Number.parseInt(v, 10), 1)
    .option('--volatility <x>', 'annualized volatility', number('--volatility'), 0.5)
    .option(
      '--start-price <x>',
      'first mid price of every ticker (default: one per ticker from its name)',
      number('--start-price'),
    )
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)', number('--duration'))
    .option('--url <url>', 'redis: redis://[:password@]host:port (default from MARKET_REDIS_HOST / _PORT / _PASSWORD)')
    .option('--channel <template>', 'redis: channel per instrument', '{ticker}')
    .option('--snapshot-key <template>', 'redis: key of the latest snapshot (default: the channel)')
    .option('--no-store', 'redis: do not SET the latest snapshot')
    .option('--brokers <list>', 'kafka: host:port,… (default from PAPERBROKER_KAFKA_BOOTSTRAP_SERVERS)', list)
    .option('--env-id <id>', 'kafka: environment in the topic name (default from PAPERBROKER_ENV_ID)')
    .option('--topic <template>', 'kafka: topic per instrument', '{envId}.{exchange}.{symbol}')
    .option('--username <user>', 'kafka: SASL username (default from PAPERBROKER_KAFKA_USERNAME)')
    .addOption(
      new Option('--mechanism <m>', 'kafka: SASL mechanism')
        .choices(['plain', 'scram-sha-256', 'scram-sha-512'])
        .default('plain'),
    )
    .option('--ssl', 'kafka: connect with TLS', false)
    .action(async (opts) => {
      const env = process.env;
      const redisUrl =
        opts.url ??
        `redis://${env.MARKET_REDIS_PASSWORD ? `:${encodeURIComponent(env.MARKET_REDIS_PASSWORD)}@` : ''}${env.MARKET_REDIS_HOST ?? '127.0.0.1'}:${env.MARKET_REDIS_PORT ?? 6379}`;
      const username = opts.username ?? env.PAPERBROKER_KAFKA_USERNAME;
      const options: PublisherOptions = {
        to: opts.to,
        format: opts.format,
        deltas: opts.deltas,
        url: redisUrl,
        channel: opts.channel,
        snapshotKey: opts.snapshotKey,
        store: opts.store,
        brokers:
          opts.brokers ??
          (env.PAPERBROKER_KAFKA_BOOTSTRAP_SERVERS ? list(env.PAPERBROKER_KAFKA_BOOTSTRAP_SERVERS) : undefined),
        envId: opts.envId ?? env.PAPERBROKER_ENV_ID,
        topic: opts.topic,
        // the password only from the environment: a command line shows up in `ps`
        username,
        password: username ? (env.PAPERBROKER_KAFKA_PASSWORD ?? '') : undefined,
        mechanism: opts.mechanism,
        ssl: opts.ssl,
      };
      await runPublisher(options, opts);
    });
}

async function runPublisher(
  options: PublisherOptions,
  opts: { tickers: string[]; rate: number; seed: number; volatility: number; startPrice?: number; duration?: number },
): Promise<void> {
  const publisher = await createPublisher(options, opts.tickers);
  const startPrice = opts.startPrice;
  const market = new SimulatedMarket({
    type: 'sim',
    seed: opts.seed,
    volatility: opts.volatility,
    updatesPerSecond: Math.min(1000, opts.rate),
    ...(startPrice && { startPrices: Object.fromEntries(opts.tickers.map((t) => [t, startPrice])) }),
  });
  let errors = 0;
  const say = (m: string) => process.stderr.write(`publish: ${m}\n`);
  await market.start(opts.tickers, {
    quote: (ticker, update) => publisher.send(ticker, update),
    malformed: () => undefined,
    status: () => undefined,
  });
  say(
    `${opts.tickers.length} ticker(s) → ${options.to} (${options.format}${options.deltas ? ', deltas' : ''}), ${opts.rate} update(s)/s each`,
  );
  let last = 0;
  const progress = setInterval(() => {
    publisher.flush().catch((e: Error) => {
      if (errors++ < 5) say(`send failed: ${e.message}`);
    });
    say(`${publisher.sent} quotes published (${Math.round((publisher.sent - last) / 5)}/s)`);
    last = publisher.sent;
  }, 5000);
  await new Promise<void>((resolve) => {
    if (opts.duration) setTimeout(resolve, opts.duration * 1000).unref();
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(progress);
  await market.close();
  await publisher.flush().catch((e: Error) => say(`send failed: ${e.message}`));
  await publisher.close();
  say(`done: ${publisher.sent} quotes published`);
}

if (isEntryPoint(import.meta.url)) {
  publishCommand()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      process.stderr.write(`publish: ${error.message}\n`);
      process.exit(1);
    });
}
