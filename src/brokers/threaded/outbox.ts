// Messages between a broker thread and its clients leave once per event-loop turn, as one array
// per port. A 100-leg block is ~100 requests and ~400 answers and updates; a postMessage costs
// ~20 µs of the sending thread and wakes the receiver each time, so sent one by one they made a
// serial ~0.1 ms per leg on the paper venue's thread (measured with --cpu-prof, bench/NOTES.md).
import type { MessagePort } from 'node:worker_threads';

export class Outbox<M> {
  private readonly queues = new Map<MessagePort, M[]>();
  private scheduled = false;

  send(port: MessagePort, message: M): void {
    const queue = this.queues.get(port);
    if (queue) queue.push(message);
    else this.queues.set(port, [message]);
    if (!this.scheduled) {
      this.scheduled = true;
      // after this turn's timers, port messages and I/O: everything they produced goes together
      setImmediate(this.flush);
    }
  }

  /** what is queued for a port that is going away */
  drop(port: MessagePort): void {
    this.queues.delete(port);
  }

  readonly flush = (): void => {
    this.scheduled = false;
    for (const [port, messages] of this.queues) {
      try {
        port.postMessage(messages);
      } catch {
        /* closed meanwhile: its requests fail by their own deadline */
      }
    }
    this.queues.clear();
  };
}
