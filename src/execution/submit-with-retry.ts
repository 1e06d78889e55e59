// One order to one broker with exponential backoff on retryable failures only. Every attempt
// carries the same client order id, and after an answer that never came the venue is asked for
// that id before sending again, so a retry can never create a second order. A replacement
// (`order.replaces` set) goes out as the broker's replace, under the same rules.
import pRetry, { AbortError } from 'p-retry';
import { BrokerRejection, isRetryable, type Broker, type SubmitAck, type WireOrder } from '../brokers/broker.js';
import { BrokerTimeoutError, BrokerTransientError } from '../brokers/broker.js';
import { describeError } from '../util/errors.js';

export interface RetryPolicy {
  retries: number;
  /** first backoff; doubles after each failure */
  baseMs: number;
}

export type SubmitOutcome =
  | { kind: 'accepted'; ack: SubmitAck; attempts: number }
  | { kind: 'rejected'; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; attempts: number }
  /** the end of session cut its retries: it is not at the venue and is not sent again */
  | { kind: 'not-sent'; reason: string; attempts: number }
  /** retries cut after a lost answer, and the broker could not be asked whether it holds the order */
  | { kind: 'unconfirmed'; reason: string; attempts: number };

/**
 * The end of session's word to orders waiting to retry: no attempt starts after `by` (epoch ms),
 * and a wait that would end later is cut at `by`. An attempt already on the wire always finishes.
 */
export class RetryCutoff {
  private readonly controller = new AbortController();
  by = Infinity;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cutAt(at: number): void {
    if (at >= this.by) return;
    this.by = at;
    const ms = at - Date.now();
    if (ms <= 0) this.controller.abort();
    else setTimeout(() => this.controller.abort(), ms).unref();
  }
}

function send(broker: Broker, order: WireOrder, written?: (at: number) => void): Promise<SubmitAck> {
  if (order.legs?.length) {
    if (!broker.submitGroup)
      return Promise.reject(
        new BrokerRejection(
          `the ${broker.name} broker cannot take ${order.orderClass} orders yet: send the entry, then its exits once it fills`,
          'group_unsupported',
        ),
      );
    return broker.submitGroup(order);
  }
  if (order.replaces === undefined) return broker.submit(order, written);
  if (!broker.replace)
    return Promise.reject(
      new BrokerRejection(
        `the ${broker.name} broker cannot replace orders: cancel ${order.replaces} and send a new order instead`,
        'replace_unsupported',
      ),
    );
  return broker.replace(order);
}

export async function submitWithRetry(
  broker: Broker,
  order: WireOrder,
  policy: RetryPolicy,
  onRetry?: (attempt: number, error: Error) => void,
  cutoff = new RetryCutoff(),
  written?: (at: number) => void,
): Promise<SubmitOutcome> {
  const tries = new SubmitAttempts(broker, order, written);
  let cut = false;
  try {
    const ack = await pRetry(() => tries.attempt(), {
      retries: policy.retries,
      minTimeout: policy.baseMs,
      factor: 2,
      randomize: false,
      signal: cutoff.signal,
      shouldRetry: async ({ error, attemptNumber }) => {
        const pause = error instanceof BrokerTransientError ? (error.retryAfterMs ?? 0) : 0;
        if (Date.now() + pause + policy.baseMs * 2 ** (attemptNumber - 1) > cutoff.by) return !(cut = true);
        onRetry?.(attemptNumber, error);
        if (pause) await new Promise((r) => setTimeout(r, pause));
        return true;
      },
    });
    return { kind: 'accepted', ack, attempts: tries.attempts };
  } catch (error) {
    return tries.outcome(error, cut || cutoff.signal.aborted);
  }
}

/** One order's attempts: what each learned, and the outcome they add up to. */
class SubmitAttempts {
  attempts = 0;
  /** an attempt timed out: the venue may hold the order though no answer came */
  private outcomeUnknown = false;
  private lastError: unknown;
  /** p-retry throws on abort even when the attempt in progress succeeded: keep its answer */
  private accepted: SubmitAck | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly order: WireOrder,
    private readonly written?: (at: number) => void,
  ) {}

  async attempt(): Promise<SubmitAck> {
    this.attempts++;
    if (this.outcomeUnknown) {
      const found = await this.alreadyThere();
      if (found) return (this.accepted = found);
    }
    try {
      this.accepted = await send(this.broker, this.order, this.written);
      return this.accepted;
    } catch (error) {
      this.lastError = error;
      if (error instanceof BrokerTimeoutError) this.outcomeUnknown = true;
      if (error instanceof BrokerRejection && this.outcomeUnknown) {
        const found = await this.alreadyThere(); // e.g. "duplicate client_order_id" after a lost answer
        if (found) return (this.accepted = found);
      }
      if (!isRetryable(error)) throw new AbortError(error as Error);
      throw error;
    }
  }

  /** the outcome once retrying stopped with `error`; `cut`: by the end of session's deadline */
  async outcome(error: unknown, cut: boolean): Promise<SubmitOutcome> {
    const attempts = this.attempts;
    if (this.accepted) return { kind: 'accepted', ack: this.accepted, attempts };
    if (cut && !(error instanceof BrokerRejection)) return this.notSentAgain();
    if (error instanceof BrokerRejection) return { kind: 'rejected', reason: error.reason, attempts };
    if (this.outcomeUnknown) {
      const found = await this.alreadyThere().catch(() => undefined);
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    return { kind: 'failed', reason: `not accepted after ${attempts} attempt(s): ${describeError(error)}`, attempts };
  }

  /** the venue may hold the order from an attempt whose answer was lost */
  private async alreadyThere(): Promise<SubmitAck | undefined> {
    const found = await this.broker.getOrder(this.order.clientOrderId);
    return found && { brokerOrderId: found.brokerOrderId, status: found.status, rawStatus: found.rawStatus };
  }

  /** retries cut by the end of session: the venue is asked once more if an answer was lost */
  private async notSentAgain(): Promise<SubmitOutcome> {
    const attempts = this.attempts;
    if (this.outcomeUnknown) {
      let found: SubmitAck | undefined;
      try {
        found = await this.alreadyThere();
      } catch (error) {
        return {
          kind: 'unconfirmed',
          reason: `the session ended after an answer was lost, and asking the broker failed (${describeError(error)}): it may hold the order`,
          attempts,
        };
      }
      if (found) return { kind: 'accepted', ack: found, attempts };
    }
    const last = this.lastError === undefined ? '' : ` (attempt ${attempts} failed: ${describeError(this.lastError)})`;
    return {
      kind: 'not-sent',
      reason: `not sent again: the session ended while the order waited to retry${last}`,
      attempts,
    };
  }
}
