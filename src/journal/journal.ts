// The order journal: an append-only file beside the CSV (<tradeLogName>.journal), one whole record
// per line as `<crc32 hex> <json>`. The intent to send (client order id, the order, its block and
// leg) is written — and, with sync 'block', fsynced once per block — before the block can reach a
// broker; acks and every later status change follow. A line is only trusted whole: a torn last
// line (killed mid-write) is ignored with a warning and cut off before the next append, and a
// corrupt line in the middle is skipped with a warning naming it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { BrokerPosition, WireOrder } from '../brokers/broker.js';
import type { OrderAlias, OrderEvent } from '../execution/order-registry.js';
import { wireTerms, type Order } from '../orders/order.js';
import type { OrderStatus } from '../types.js';
import { appendWhole } from '../util/append-whole.js';
import { CREDENTIAL_KEY } from '../util/secrets.js';

export const JOURNAL_VERSION = 1;
export type JournalSync = 'block' | 'always' | 'off';

/** One segment of a session: the first start, and each resume after it. */
export interface HeaderRecord {
  t: 'header';
  v: number;
  /** broker type and an account identity (a hash: never a credential) */
  broker: string;
  account: string;
  session: string;
  /** the block id prefix; a resumed session keeps it and continues the block numbers */
  sessionTag: string;
  startedAt: number;
  /** what the broker held when the session first started (the portfolio is rebuilt from here) */
  positions: BrokerPosition[];
  resumed?: boolean;
}

export interface IntentRecord {
  t: 'intent';
  /** a group's leg carries its parent's client order id */
  order: WireOrder & { parentId?: string };
  blockId: string;
  leg: number;
  workerId: number;
  decidedAt: number;
}

export interface StatusRecord {
  t: 'status';
  id: string;
  status: OrderStatus;
  raw: string;
  source: 'execution' | 'local';
  at: number;
  filledQty: number;
  filledAvgPrice: number;
  brokerOrderId?: string;
  reason?: string;
}

/**
 * A venue's own ids for one of salvo's orders (Alpaca names a bracket's legs), written when the ack
 * brings them: a resumed session asks the venue for the leg by them. A salvo older than this record
 * skips it with a warning; a journal without any is read as before.
 */
export interface AliasRecord extends OrderAlias {
  t: 'alias';
}

export type JournalRecord = HeaderRecord | IntentRecord | StatusRecord | AliasRecord;

/** A journal that cannot be used (newer format, another account, missing): one line, the file named. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
}

/** A journal with no header: its session sent nothing (orders are journaled only after the header). */
export class NoHeaderError extends JournalError {}

const line = (record: JournalRecord): string => {
  const json = JSON.stringify(record);
  return `${zlib.crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
};

export class OrderJournal {
  private fd: number | undefined;
  /** client order ids with an intent here: status changes of other orders (refused before sending) are not journaled */
  private readonly known = new Set<string>();
  records = 0;
  lostStatusRecords = 0;
  /** blocks written, waiting for the fdatasync in flight or the next one */
  private afterSync: Array<{ send: () => void; failed: (error: Error) => void }> = [];
  /** the blocks the fdatasync in flight is for */
  private syncing: OrderJournal['afterSync'] | undefined;
  /** fdatasync calls made for blocks (sync 'block') */
  syncs = 0;
  /** hears the first status record that could not be written (a full disk): the session stops sending */
  onLostStatus?: (error: Error) => void;

  private constructor(
    readonly file: string,
    readonly sync: JournalSync,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens for appending; `validBytes` (from readJournal) cuts a torn tail off first. */
  static open(file: string, sync: JournalSync, validBytes?: number): OrderJournal {
    try {
      if (validBytes !== undefined && fs.existsSync(file) && fs.statSync(file).size > validBytes)
        fs.truncateSync(file, validBytes);
      return new OrderJournal(file, sync, fs.openSync(file, 'a'));
    } catch (error) {
      throw new JournalError(`cannot write the order journal ${file}: ${(error as Error).message}`);
    }
  }

  /** ids journaled earlier (a resumed session), so their status changes are journaled too */
  remember(ids: Iterable<string>): void {
    for (const id of ids) this.known.add(id);
  }

  header(record: Omit<HeaderRecord, 't' | 'v'>): void {
    this.write(line({ t: 'header', v: JOURNAL_VERSION, ...record }), true);
  }

  /**
   * The legs of one block, then `send` once they are durable. The write is synchronous, so a killed
   * process keeps it. With sync 'block' the fdatasync runs off the main thread, and the blocks that
   * arrive meanwhile share the next one (group commit), sent in arrival order; 'always' syncs each
   * leg before returning; 'off' sends at once. Throws if the write fails; `failed` if the sync does.
   */
  intents(
    legs: readonly Order[],
    send: () => void = () => undefined,
    failed: (error: Error) => void = () => undefined,
  ): void {
    // a bracket's exits are orders of their own: journaled with their entry, so a resume knows them
    const text = legs
      .flatMap((o) => [o, ...((o.legs ?? []) as Order[])])
      .map((o) => {
        this.known.add(o.clientOrderId);
        return line({
          t: 'intent',
          order: { ...wireTerms(o), ...(o.parentId === undefined ? {} : { parentId: o.parentId }) },
          blockId: o.blockId,
          leg: o.leg,
          workerId: o.workerId,
          decidedAt: o.decidedAt,
        });
      });
    if (this.sync === 'always') for (const l of text) this.write(l, true);
    else this.write(text.join(''), false);
    if (this.sync !== 'block') {
      send();
      return;
    }
    this.afterSync.push({ send, failed });
    this.startSync();
  }

  private startSync(): void {
    if (this.syncing || !this.afterSync.length || this.fd === undefined) return;
    const batch = (this.syncing = this.afterSync);
    this.afterSync = [];
    this.syncs++;
    fs.fdatasync(this.fd, (error) => {
      if (this.syncing !== batch) return; // closed meanwhile: close() has answered these blocks
      this.syncing = undefined;
      for (const b of batch)
        if (error) b.failed(error);
        else b.send();
      this.startSync();
    });
  }

  /**
   * One status change of a journaled order (acks, fills, cancels…); synced only with 'always'.
   * Never throws: a lost status record is recovered at resume by asking the broker, while a
   * failed intent write stops the sending.
   */
  status(event: OrderEvent): void {
    const o = event.order;
    if (!this.known.has(o.clientOrderId) || event.status === 'queued' || event.status === 'created') return;
    try {
      this.writeStatus(event);
    } catch (error) {
      if (!this.lostStatusRecords++) this.onLostStatus?.(error as Error);
    }
  }

  /** The venue's ids for a journaled order; written like a status record, and never throws either. */
  alias(alias: OrderAlias): void {
    if (!this.known.has(alias.clientOrderId)) return;
    try {
      this.write(line({ t: 'alias', ...alias }), this.sync === 'always');
    } catch (error) {
      if (!this.lostStatusRecords++) this.onLostStatus?.(error as Error);
    }
  }

  private writeStatus(event: OrderEvent): void {
    const o = event.order;
    this.write(
      line({
        t: 'status',
        id: o.clientOrderId,
        status: event.status,
        raw: event.rawStatus,
        source: event.source,
        at: event.at,
        filledQty: o.filledQty,
        filledAvgPrice: o.filledAvgPrice,
        brokerOrderId: o.brokerOrderId,
        reason: event.reason,
      }),
      this.sync === 'always',
    );
  }

  private write(text: string, durable: boolean): void {
    if (this.fd === undefined) throw new JournalError(`the order journal ${this.file} is closed`);
    appendWhole(this.fd, text);
    if (durable && this.sync !== 'off') fs.fdatasyncSync(this.fd);
    this.records++;
  }

  /** blocks still waiting for their sync are not sent (the session has ended); their failure is journaled */
  close(): void {
    if (this.fd === undefined) return;
    const waiting = [...(this.syncing ?? []), ...this.afterSync.splice(0)];
    this.syncing = undefined;
    for (const b of waiting) b.failed(new Error('the session ended before its journal was synced'));
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
    this.fd = undefined;
  }
}

export interface JournalContents {
  headers: HeaderRecord[];
  intents: IntentRecord[];
  statuses: StatusRecord[];
  /** the venue's own ids for salvo's orders (absent from journals written before them: empty) */
  aliases: AliasRecord[];
  /** bytes up to the end of the last whole line (a torn tail is cut there before appending) */
  validBytes: number;
  /** one line each: what was skipped and why */
  warnings: string[];
}

/** Reads a journal; throws JournalError for a missing file, an unreadable header or a newer format. */
export function readJournal(file: string): JournalContents {
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch (error) {
    throw new JournalError(
      `no order journal to resume from: ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const out: JournalContents = { headers: [], intents: [], statuses: [], aliases: [], validBytes: 0, warnings: [] };
  const end = buffer.lastIndexOf(0x0a) + 1;
  out.validBytes = end;
  if (end < buffer.length)
    out.warnings.push(
      `${file}: ignored a torn last record (${buffer.length - end} bytes, the process was killed while writing it)`,
    );
  const lines = buffer.subarray(0, end).toString('utf8').split('\n');
  lines.pop();
  lines.forEach((text, i) => {
    const record = parseLine(text);
    if (!record) {
      out.warnings.push(`${file}: skipped corrupt record on line ${i + 1} (checksum or JSON does not match)`);
      return;
    }
    if (record.t === 'header') {
      if (typeof record.v !== 'number' || record.v > JOURNAL_VERSION) {
        throw new JournalError(
          `${file} was written by a newer salvo (journal format ${record.v}; this salvo reads format ${JOURNAL_VERSION}): resume it with that version`,
        );
      }
      out.headers.push(record);
    } else if (record.t === 'intent') out.intents.push(record);
    else if (record.t === 'status') out.statuses.push(record);
    else if (record.t === 'alias') out.aliases.push(record);
    else out.warnings.push(`${file}: skipped a record of unknown type on line ${i + 1}`);
  });
  if (!out.headers.length)
    throw new NoHeaderError(
      `${file} has no readable header record: it is not a salvo order journal, or its session was stopped before it sent anything (then start it again without resume)`,
    );
  return out;
}

function parseLine(text: string): JournalRecord | undefined {
  const space = text.indexOf(' ');
  if (space !== 8) return undefined;
  const json = text.slice(9);
  if (zlib.crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8)) return undefined;
  try {
    const record = JSON.parse(json) as JournalRecord;
    return record && typeof record === 'object' && typeof record.t === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which account a journal belongs to, without a credential in it: a hash over the broker's
 * addressing fields (URLs, hosts, ports, key id, comp ids), never a secret.
 */
export function accountIdentity(broker: { type: string } & Record<string, unknown>): string {
  const fields = Object.entries(broker)
    .filter(
      ([k, v]) =>
        (typeof v === 'string' || typeof v === 'number') &&
        /url|host|port|keyid|compid|account/i.test(k) &&
        !CREDENTIAL_KEY.test(k),
    )
    .sort(([a], [b]) => a.localeCompare(b));
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([broker.type, fields]))
    .digest('hex')
    .slice(0, 16);
}
