// The official Alpaca SDK's trade stream on a test exchange, as the SDK tests open it.
import { streaming } from '@alpacahq/alpaca-trade-api';
import { KEY_ID, SECRET } from './alpaca-exchange.js';
import { until } from './until.js';

export type SdkTradeStream = InstanceType<typeof streaming.TradingStream>;
export type SdkTradeUpdate = Parameters<SdkTradeStream['onTradeUpdate']>[0] extends (u: infer U) => void ? U : never;

/** an SDK trade stream on `url` that hands each trade update to `onUpdate`; resolves once it listens to trade_updates */
export async function listeningTradeStream(
  url: string,
  onUpdate: (u: SdkTradeUpdate) => void,
): Promise<SdkTradeStream> {
  const stream = new streaming.TradingStream({ url, credentials: { keyId: KEY_ID, secret: SECRET }, reconnect: false });
  let listening = false;
  stream.on('subscription', (s: string[]) => {
    listening = s.includes('trade_updates');
  });
  stream.onTradeUpdate(onUpdate);
  stream.onConnect(() => stream.subscribeTradeUpdates());
  stream.connect();
  await until(() => listening, { what: 'the trade stream to listen to trade_updates', timeoutMs: 3000, intervalMs: 5 });
  return stream;
}
