// A client of the FIX session thread over one MessagePort: what the session (link 0) and each
// execution worker hold. It never loads the FIX engine; every call becomes a request to the
// session owner, which puts it on the one FIX session (see session-owner.ts).
// The port protocol is the shared one of src/brokers/threaded/.
import type { MessagePort } from 'node:worker_threads';
import type { RecalledOrder } from '../broker.js';
import { PortClient } from '../threaded/client.js';
import type { FixBrokerConfig } from './config.js';

/** the owner answers within its own deadlines; this margin only catches a dead thread */
const MARGIN_MS = 2000;

export class FixClient extends PortClient {
  readonly name = 'fix';

  constructor(
    private readonly config: FixBrokerConfig,
    port: MessagePort,
  ) {
    super(port, 'FIX session thread', config.requestTimeoutMs + MARGIN_MS);
  }

  /** resolves once the one session is logged on; a refused logon carries the peer's Text */
  async connect(): Promise<void> {
    // the owner gives up on the logon 2 s after its connection attempts; its reason should win
    await this.call('connect', [], undefined, this.config.connectTimeoutSeconds * 1000 + 3000 + MARGIN_MS);
    await this.subscribed;
  }

  /** a resumed session's journaled orders, told to the session owner so it can ask the peer about them */
  recall(orders: RecalledOrder[]): Promise<void> {
    return this.call('recall', [orders]);
  }

  describeWidth(): string {
    return 'one FIX session, every leg pipelined';
  }
}
