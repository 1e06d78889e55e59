// The sessions whose trade logs the `salvo review` tests read: on the seeded simulated market.

/** run options for a quiet session on the simulated market (seeded), its trade log `dir`/`name`.csv */
export const simLogRun = (dir: string, name: string, sim: { volatility: number; seed: number }) =>
  ({
    ordersPerMinute: 100_000,
    tradeLogPath: dir,
    tradeLogName: name,
    logger: () => undefined,
    handleSignals: false,
    quotes: { type: 'sim', ...sim },
  }) as const;
