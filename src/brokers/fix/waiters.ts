// Requests waiting for the FIX peer's answer, one per client order id and kind. FIX answers are
// asynchronous messages, not replies, so each waiter is settled by whichever message concerns its
// order — or by its deadline, which means the outcome is unknown.
import { BrokerTimeoutError } from '../broker.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export class Waiters<T> {
  private readonly table = new Map<string, Waiter<T>>();

  constructor(private readonly timeoutMs: number) {}

  /** `send` runs once the waiter is in place, so no answer can arrive before it */
  wait(id: string, what: string, send: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.table.get(id) !== waiter) return;
        this.table.delete(id);
        reject(new BrokerTimeoutError(`FIX peer did not answer ${what} in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter: Waiter<T> = {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.table.get(id)?.reject(new BrokerTimeoutError(`${what}: superseded by a newer request for the same order`));
      this.table.set(id, waiter);
      send();
    });
  }

  has(id: string): boolean {
    return this.table.has(id);
  }

  resolve(id: string, value: T): void {
    const waiter = this.table.get(id);
    this.table.delete(id);
    waiter?.resolve(value);
  }

  reject(id: string, error: Error): void {
    const waiter = this.table.get(id);
    this.table.delete(id);
    waiter?.reject(error);
  }

  rejectAll(error: () => Error): void {
    for (const waiter of this.table.values()) waiter.reject(error());
    this.table.clear();
  }
}
