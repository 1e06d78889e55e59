// `salvo exchange`: the paper exchange as a server (Alpaca-style HTTP/WS and FIX 4.4), for brokers
// and tools outside this process. The server itself arrives with the brokers issue (startExchange).
export interface ExchangeFlags { httpPort?: string; fixPort?: string; latencyMs?: string }

export async function exchangeCommand(_flags: ExchangeFlags): Promise<number> {
  process.stderr.write('salvo exchange: not available yet: the exchange server arrives with the brokers issue\n');
  return 1;
}
