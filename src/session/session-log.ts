// The session's own log: what went wrong or needs attention, with strategy stacks. Lines go to the
// caller's logger (default stderr) and to <tradeLogPath>/<tradeLogName>.log. Secrets given to the
// session are masked (by value) in every line before it is written anywhere, and every line is
// one line: control characters inside a message are escaped.
import fs from 'node:fs';
import type { Log, LogLevel, LogSink } from '../util/log.js';
import { appendWhole } from '../util/append-whole.js';
import { oneLine } from '../util/one-line.js';
import { Secrets } from '../util/secrets.js';

export type { LogSink };

export class SessionLog implements Log {
  private fd: number | undefined;
  private readonly secrets: Secrets;
  private readonly listeners: LogSink[] = [];
  readonly recent: Array<{ at: number; level: LogLevel; message: string }> = [];

  constructor(
    file: string | undefined,
    private readonly sink: LogSink | undefined,
    secrets: Secrets | readonly string[] = [],
  ) {
    this.secrets = secrets instanceof Secrets ? secrets : new Secrets(secrets);
    if (file) this.fd = fs.openSync(file, 'a');
  }

  /** extra sinks (the live display) */
  onLine(listener: LogSink): void {
    this.listeners.push(listener);
  }

  /** replaces the default sink, e.g. while a full-screen display owns the terminal */
  muteDefault = false;

  mask(text: string): string {
    return this.secrets.mask(text);
  }

  write(level: LogLevel, message: string): void {
    const line = oneLine(this.mask(String(message)));
    const at = Date.now();
    this.recent.push({ at, level, message: line });
    if (this.recent.length > 50) this.recent.shift();
    const file = this.toFile(`${new Date(at).toISOString()} ${level.toUpperCase()} ${line}\n`);
    this.emit(level, line);
    if (file) this.emit('warn', file);
  }

  private emit(level: LogLevel, line: string): void {
    if (this.sink) this.sink(level, line);
    else if (!this.muteDefault)
      process.stderr.write(`[salvo] ${level === 'info' ? '' : `${level.toUpperCase()} `}${line}\n`);
    for (const l of this.listeners) l(level, line);
  }

  /** a line for the file; the first failure (a full disk) ends the file, and is said once by the caller */
  private toFile(text: string): string | undefined {
    if (this.fd === undefined) return undefined;
    try {
      appendWhole(this.fd, text);
      return undefined;
    } catch (error) {
      this.close();
      return `the session log file cannot be written (${(error as Error).message}): its lines go on only to the logger`;
    }
  }

  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
