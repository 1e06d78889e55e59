// What every layer may say to the session's log. The session owns the log (file, masking, display);
// lower layers (order desk, journal, broker adapters) take this narrow interface so they do not
// depend on the session that creates them.

export type LogLevel = 'info' | 'warn' | 'error';

/** receives each line, already masked and one line long */
export type LogSink = (level: LogLevel, message: string) => void;

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** where a part speaks when no session gave it a log (a venue started on its own, a bench) */
export const stderrLog: Log = {
  info: (m) => process.stderr.write(`salvo: ${m}\n`),
  warn: (m) => process.stderr.write(`salvo: WARN ${m}\n`),
  error: (m) => process.stderr.write(`salvo: ERROR ${m}\n`),
};
