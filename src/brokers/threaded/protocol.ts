// The wire between a broker thread (paper venue, FIX session owner) and its clients in other
// threads: one MessagePort per client.
//   request  { id, method, args }
//   answer   { id, ok: true, value } | { id, ok: false, error: WireError }
//            either with sentAt: when a submit left for the venue (see Broker.submit's `written`)
//   update   { type: 'update', update }   after method 'subscribe'
// Each side sends what one event-loop turn produced as one array of these (see outbox.ts).
// Errors cross as WireError and come back as the same Broker error classes.
// The thread and its hub (the driver side, main thread) speak over parentPort:
//   to the thread    { type: 'connect', port } | { type: 'close' }
//   from the thread  { type: 'ready' } | { type: 'log', level, message }
// A log line is the thread's notice (a FIX reconnect, say) for the session's log: masked there,
// written to the .log file, and kept off a terminal the live display owns.
import {
  BrokerConnectError,
  BrokerRejection,
  BrokerTimeoutError,
  BrokerTransientError,
  type TradeUpdate,
} from '../broker.js';
import type { LogLevel } from '../../util/log.js';

/** a notice from a broker thread, for the session's log */
export interface HubLogLine {
  type: 'log';
  level: LogLevel;
  message: string;
}

export function isHubLogLine(m: unknown): m is HubLogLine {
  const line = m as Partial<HubLogLine> | null;
  return (
    line?.type === 'log' &&
    typeof line.message === 'string' &&
    (line.level === 'info' || line.level === 'warn' || line.level === 'error')
  );
}

export interface PortRequest {
  id: number;
  method: string;
  args: unknown[];
}

export interface WireError {
  kind: 'rejection' | 'transient' | 'timeout' | 'connect' | 'other';
  message: string;
  status?: number;
  retryAfterMs?: number;
  code?: string;
}

export type PortMessage =
  | { id: number; ok: true; value: unknown; sentAt?: number }
  | { id: number; ok: false; error: WireError; sentAt?: number }
  | { type: 'update'; update: TradeUpdate };

/** a handler's answer that must not be sent: the venue "lost" it (timeoutRate) */
export const NO_ANSWER = 'swallowed';

export function toWireError(error: unknown): WireError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BrokerRejection) return { kind: 'rejection', message: error.reason, code: error.code };
  if (error instanceof BrokerTransientError)
    return { kind: 'transient', message, status: error.status, retryAfterMs: error.retryAfterMs };
  if (error instanceof BrokerTimeoutError) return { kind: 'timeout', message };
  if (error instanceof BrokerConnectError) return { kind: 'connect', message };
  return { kind: 'other', message };
}

export function fromWireError(e: WireError): Error {
  switch (e.kind) {
    case 'rejection':
      return new BrokerRejection(e.message, e.code);
    case 'transient':
      return new BrokerTransientError(e.message, e.status, e.retryAfterMs);
    case 'timeout':
      return new BrokerTimeoutError(e.message);
    case 'connect':
      return new BrokerConnectError(e.message);
    default:
      return new Error(e.message);
  }
}
