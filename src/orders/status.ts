// The one order status model of the whole tree. "Is this order finished?" and "may it move from here
// to there?" are answered here and nowhere else: salvo's statuses and their from → to table, the
// broker vocabulary every venue reports in (Alpaca's words) with its own table and what each word
// means for salvo, and the other words a trade log may hold. Each venue maps its raw statuses onto
// the broker vocabulary in one place (FIX OrdStatus: fix/codec.ts; Alpaca and the paper
// venue speak it). The tables are literals so a reader can scan them; test/order-states.test.ts
// walks every pair.

/** salvo's statuses, in lifecycle order */
export const ORDER_STATUSES = [
  'created',
  'queued',
  'submitted',
  'new',
  'partially_filled',
  'filled',
  'canceled',
  'rejected',
  'expired',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** the statuses an order ends in, exactly one per order; `failed`: the broker never accepted it */
export const TERMINAL_STATUSES = ['filled', 'canceled', 'rejected', 'expired', 'failed'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * salvo's order state table: from → the statuses it may move to. Every forward move is listed, as
 * a broker's update may overtake the worker's ack and skip steps; `failed` only before the broker
 * acknowledged the order; partially_filled → partially_filled only with more filled. A terminal
 * status has no way out.
 */
// biome-ignore format: a table is read down its columns
export const ORDER_STATE_TABLE: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  created:          ['queued', 'submitted', 'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'failed'],
  queued:           [          'submitted', 'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'failed'],
  submitted:        [                       'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'failed'],
  new:              [                              'partially_filled', 'filled', 'canceled', 'rejected', 'expired'],
  partially_filled: [                              'partially_filled', 'filled', 'canceled', 'rejected', 'expired'],
  filled:           [],
  canceled:         [],
  rejected:         [],
  expired:          [],
  failed:           [],
};

const TERMINAL: ReadonlySet<string> = new Set<string>(TERMINAL_STATUSES);

export const isTerminal = (status: OrderStatus): status is TerminalStatus => TERMINAL.has(status);

/**
 * Why the table refuses `from → to` (one line, e.g. `canceled → filled: canceled is final`), or
 * undefined when the order may move. `moreFilled`: the update reports more filled than is booked.
 */
export function transitionRefusal(from: OrderStatus, to: OrderStatus, moreFilled: boolean): string | undefined {
  if (ORDER_STATE_TABLE[from].includes(to) && (from !== to || moreFilled)) return undefined;
  const why = isTerminal(from)
    ? `${from} is final`
    : from === to
      ? 'nothing new'
      : to === 'failed'
        ? 'the broker already accepted the order'
        : `${to} comes before ${from}`;
  return `${from} → ${to}: ${why}`;
}

/**
 * The broker vocabulary (Alpaca's order statuses), which every venue adapter reports in and the
 * paper venue speaks.
 */
export type BrokerOrderStatus =
  | 'pending_new'
  | 'new'
  | 'partially_filled'
  | 'filled'
  | 'pending_cancel'
  | 'canceled'
  | 'rejected'
  | 'expired'
  | 'replaced'
  /** a bracket / OTO exit leg waiting for its entry to fill */
  | 'held';

/**
 * The broker's order state table: from → the statuses a later update may carry. An adapter that
 * merges a stream with REST snapshots tells news from a stale report with it (more filled is
 * always news). A final status has no way out. `held` legs are born held (never pending_new first);
 * `pending_cancel` does not go back to `new`.
 */
// biome-ignore format: a table is read down its columns
export const BROKER_STATE_TABLE: Readonly<Record<BrokerOrderStatus, readonly BrokerOrderStatus[]>> = {
  pending_new:      ['new', 'pending_cancel', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'replaced'],
  held:             ['new', 'pending_cancel', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'replaced'],
  new:              [                       'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'replaced'],
  pending_cancel:   [                       'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'replaced'],
  partially_filled: [                                           'filled', 'canceled', 'rejected', 'expired', 'replaced'],
  filled:           [],
  canceled:         [],
  rejected:         [],
  expired:          [],
  replaced:         [],
};

/**
 * What each broker status means for salvo's order. `undefined`: no change (a cancel on its way
 * leaves the order working until the venue says how it ended).
 */
export const SALVO_STATUS_OF: Readonly<Record<BrokerOrderStatus, OrderStatus | undefined>> = {
  pending_new: 'submitted',
  // a bracket exit the venue holds until its entry fills: acknowledged
  held: 'new',
  new: 'new',
  pending_cancel: undefined,
  partially_filled: 'partially_filled',
  filled: 'filled',
  canceled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
  // a replaced order is done for salvo: its replacement is an order of its own
  replaced: 'canceled',
};

// Lookups below go through own keys only: a status is a venue's word, and a word such as
// 'constructor' must find nothing rather than something inherited.
const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** what a broker status means for salvo (SALVO_STATUS_OF); undefined for no change or an unknown word */
export const salvoStatusOf = (status: string): OrderStatus | undefined => own(SALVO_STATUS_OF, status);

/** the order will not change again at the venue (its row in BROKER_STATE_TABLE is empty) */
export const isFinalAtBroker = (status: BrokerOrderStatus): boolean => own(BROKER_STATE_TABLE, status)?.length === 0;

/** whether a later report of `to` is news for an order the venue last reported as `from` */
export const brokerMovesOn = (from: BrokerOrderStatus, to: BrokerOrderStatus): boolean =>
  own(BROKER_STATE_TABLE, from)?.includes(to) ?? false;

/** words other trade logs write in the status column (blockpaca: the venue's words), beyond salvo's and the broker's */
const OTHER_LOG_WORDS: Readonly<Record<string, OrderStatus>> = {
  accepted: 'new',
  // FIX's OrdStatus 3: the order will not trade again today
  done_for_day: 'expired',
};

const LOG_WORDS: ReadonlyMap<string, OrderStatus | undefined> = new Map<string, OrderStatus | undefined>([
  ...ORDER_STATUSES.map((s) => [s, s] as const),
  ...Object.entries(SALVO_STATUS_OF),
  ...Object.entries(OTHER_LOG_WORDS),
]);

/** a trade log's status word (salvo's, the broker vocabulary, or blockpaca's) → its status in salvo's model */
export const statusOfLogWord = (word: string): OrderStatus | undefined => LOG_WORDS.get(word);
