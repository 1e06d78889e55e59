// The account's rate limit shared by every runner on it, kept in Redis. A broker counts requests
// per account, not per process, so three runners each allowed 200 a minute would send 600. Here
// each decision is one Lua script run atomically in Redis, against one log of what every runner
// sent in the last minute (a sliding window: at most `limit` sends in ANY 60 s, which is what a
// broker's "200 a minute" means — a token bucket with a burst would allow burst + 200 in one
// window). Runners that wait are served fairly (round robin) or in arrival order, a runner that
// dies stops counting as waiting within `LIVE_MS`, and a Redis that restarts (losing the log) is
// refilled from each runner's own record of its last minute before anyone sends again.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeError } from '../util/errors.js';
import type { RateDecision } from '../util/token-bucket.js';

export interface SharedRateOptions {
  /** redis://[:password@]host:port[/db] */
  url: string;
  /** the Redis key the runners of one account share; derived from the broker account by default */
  key: string;
  /** 'fair': waiting runners take turns; 'fifo': blocks in arrival order across runners */
  share: 'fair' | 'fifo';
  /** the account's sends per window */
  limit: number;
  /** the broker's counting window, ms (default 60 000: "orders per minute") */
  windowMs?: number;
  /** how much longer than the window a grant counts, for delivery jitter (default 2 % of the window, at least 250 ms) */
  marginMs?: number;
  /** this runner's name among the others (the strategy id) */
  runner: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** a runner not heard from for this long is no longer counted as waiting */
const LIVE_MS = 3_000;
/**
 * After Redis lost the log (a restart), nobody sends until every runner that was live has put its
 * last minute back — or for at most this long, since a runner that died with Redis never will. A
 * fixed recovery period was not enough: a runner whose event loop was busy came back after it, and
 * its sends of the last minute were never counted (120 in a 60 window, test/shared-rate.test.ts).
 */
const RECOVERY_MAX_MS = 5_000;
/**
 * ...and for at least this long, whatever the restores say: a runner that joined less than a
 * heartbeat before the restart is unknown to the others, and a live runner beats twice in it.
 */
const RECOVERY_MIN_MS = 1_000;
/** how long a lost Redis pauses sending before each runner falls back to its share of the limit */
const FALLBACK_AFTER_MS = 5_000;
const HEARTBEAT_MS = 500;
/**
 * A grant is counted for a little longer than the window: two sends granted a window apart in
 * Redis reach the broker with different delays (scheduling, the network), and the broker counts
 * arrivals. 2 % of the window, at least 250 ms: 1.2 s of a minute.
 */
const marginOf = (windowMs: number) => Math.max(250, windowMs * 0.02);

// KEYS: log (zset of sends: score = Redis ms), waiters (zset: runner → turn), seen (zset: runner → last heard),
//       meta (hash: epoch, limit, pausedUntil, and the recovery after a restart: recoverUntil, expect,
//       restored, floor, floorAt, settled), served (hash: runner → last served ms)
// ARGV: op ('take' | 'beat' | 'restore' | 'pause' | 'cap' | 'leave'), runner, n, limit, share, knownEpoch, arg, window ms
const SCRIPT = `
local log, waiters, seen, meta, served = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, runner, n, limit, share, known, arg = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local window = tonumber(ARGV[8])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- one read of the meta hash per call: the script's time in Redis is the decision's floor
local m = redis.call('HMGET', meta, 'epoch', 'limit', 'pausedUntil', 'recoverUntil', 'expect', 'restored', 'settled')
local epoch, stored, pausedUntil = m[1], tonumber(m[2]), tonumber(m[3]) or 0
local recoverUntil, expect, restored, settled = tonumber(m[4]) or 0, tonumber(m[5]) or 0, tonumber(m[6]) or 0, m[7]
local fresh = false
if not epoch then
  -- a new key, or a Redis that lost it (the two look alike: a runner started meanwhile knows no
  -- epoch): runners that knew the old epoch put their last minute back ('restore'); nobody sends
  -- until all of them have (expect is raised by each restore), for RECOVERY_MIN_MS at least and
  -- RECOVERY_MAX_MS at most
  epoch = t[1] .. '.' .. t[2]
  -- (the caller knew the old one: it restores next, so at least one is expected)
  recoverUntil, expect, restored, settled = now + ${RECOVERY_MAX_MS}, (known ~= '' and 1 or 0), 0, '0'
  redis.call('HSET', meta, 'epoch', epoch, 'limit', limit, 'pausedUntil', 0, 'recoverUntil', recoverUntil,
    'expect', expect, 'restored', 0, 'floor', 0, 'floorAt', 0, 'settled', 0)
  stored, pausedUntil, fresh = limit, 0, true
end
redis.call('ZADD', seen, now, runner)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', seen, '-inf', now - ${LIVE_MS})) do
  redis.call('ZREM', waiters, gone)
  redis.call('ZREM', seen, gone)
end
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
local runners = redis.call('ZCARD', seen)
-- every answer goes through here, after the last write: the keys outlive the last runner by two windows
local function done(wait, used)
  for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, window * 2) end
  return {wait, epoch, stored, runners, used}
end
if op == 'restore' then
  -- arg = '<sends in the log when this runner last looked>@<how long ago, ms>;<its own sends of the
  -- last minute, as ages in ms>'; a restore repeated (its answer lost) adds its sends once
  local floor, lookAge, ages = string.match(arg, '^(%d*)@(%d*);(.*)$')
  if redis.call('HSETNX', meta, 'restored:' .. runner, 1) == 1 then
    for age in string.gmatch(ages or '', '[^,]+') do
      redis.call('ZADD', log, now - tonumber(age), runner .. ':' .. redis.call('HINCRBY', meta, 'seq', 1))
    end
    restored = redis.call('HINCRBY', meta, 'restored', 1)
  end
  if n > expect then expect = n; redis.call('HSET', meta, 'expect', n) end
  -- the largest log any runner saw, and the latest time any looked: both err on the safe side
  local f, at = tonumber(floor) or 0, now - (tonumber(lookAge) or 0)
  local fm = redis.call('HMGET', meta, 'floor', 'floorAt')
  if f > (tonumber(fm[1]) or 0) then redis.call('HSET', meta, 'floor', f) end
  if at > (tonumber(fm[2]) or 0) then redis.call('HSET', meta, 'floorAt', at) end
end
local since = recoverUntil - ${RECOVERY_MAX_MS}
local recovering = recoverUntil > now and (restored < expect or now < since + ${RECOVERY_MIN_MS})
if not recovering and settled ~= '1' then
  -- recovery over: what the log held when a runner last looked and nobody put back (a runner that
  -- died, or a dead runner's last minute) is counted as sent at that look — each was sent no later,
  -- so it ages out no later; restored sends from before the look count against it
  local fm = redis.call('HMGET', meta, 'floor', 'floorAt')
  local floorAt = tonumber(fm[2]) or 0
  if floorAt > now - window then
    local missing = (tonumber(fm[1]) or 0) - redis.call('ZCOUNT', log, '(' .. (now - window), floorAt)
    for i = 1, missing do redis.call('ZADD', log, floorAt, 'lost:' .. redis.call('HINCRBY', meta, 'seq', 1)) end
  end
  redis.call('HSET', meta, 'settled', 1)
end
local used = redis.call('ZCARD', log)
if op == 'beat' or op == 'restore' then return done(0, used) end
if op == 'pause' then
  local untilMs = now + n
  if untilMs > pausedUntil then redis.call('HSET', meta, 'pausedUntil', untilMs) end
  return done(0, used)
end
if op == 'cap' then
  -- the venue says only n are left: fill the log so that no more than n go before the oldest send ages out
  for i = 1, stored - used - n do redis.call('ZADD', log, now, 'venue:' .. redis.call('HINCRBY', meta, 'seq', 1)) end
  return done(0, used)
end
if op == 'leave' then
  redis.call('ZREM', waiters, runner)
  return done(0, used)
end
-- take: this runner asks for n sends now; more than the limit is never granted in part
if n > stored then return done(1, used) end
local turn = (share == 'fair') and (tonumber(redis.call('HGET', served, runner)) or 0) or now
redis.call('ZADD', waiters, 'NX', turn, runner)
local head = redis.call('ZRANGE', waiters, 0, 0)[1]
local wait = 0
if recovering then wait = math.min(recoverUntil - now, 250) end
if pausedUntil > now and pausedUntil - now > wait then wait = pausedUntil - now end
if used + n > stored then
  local oldest = redis.call('ZRANGE', log, used + n - stored - 1, used + n - stored - 1, 'WITHSCORES')
  local free = tonumber(oldest[2]) + window - now + 1
  if free > wait then wait = free end
end
if wait == 0 and head ~= runner then wait = 5 end
if wait > 0 then return done(wait, used) end
-- every log entry is named by its own sequence number (HINCRBY's result and the n - 1 before it):
-- a name used twice would move an entry instead of adding one (a restored send, then a take, once did)
local seq = redis.call('HINCRBY', meta, 'seq', n)
for i = 1, n do redis.call('ZADD', log, now, runner .. ':' .. (seq - n + i)) end
redis.call('ZREM', waiters, runner)
redis.call('HSET', served, runner, now)
return done(0, used + n)
`;

/** wait ms (0: granted), epoch, the limit Redis holds, live runners, sends in the log */
type Reply = [number, string, number, number, number];

/**
 * The shared decision, as the throttle asks for it: `take(n)` resolves 0 when n sends are granted,
 * or the ms to wait before asking again. While Redis cannot be reached nothing is granted for
 * FALLBACK_AFTER_MS; after that the runner sends within its share of the limit (limit / runners
 * last seen), starting from nothing, and says so; it rejoins the shared log when Redis is back.
 */
export class SharedRate implements RateDecision {
  private storedLimit = Infinity;
  private readonly windowMs: number;
  private readonly redis: Redis;
  private readonly keys: string[];
  private epoch = '';
  private runners = 1;
  private downSince: number | undefined;
  /** while Redis is lost: this runner's share of the limit, over the same sliding minute */
  private share: number | undefined;
  /** what this runner was granted, ms since epoch (local clock), for refilling a restarted Redis */
  private readonly mine: number[] = [];
  private readonly beat: NodeJS.Timeout;
  private pausedUntil = 0;
  private warnedLimit = false;
  /** the log's size in the last answer, and when it came: after a restart, no fewer are counted */
  private usedSeen = 0;
  private lookedAt = 0;
  /**
   * what the last restore told Redis: a second restart before the first recovery is over must not
   * shrink it to what this runner saw of the short epoch between
   */
  private restoredWith = { runners: 0, floor: 0, lookedAt: 0, until: 0 };
  private warnedEpoch = '';
  private restoring: Promise<Reply> | undefined;

  private constructor(private readonly o: SharedRateOptions) {
    this.windowMs = (o.windowMs ?? 60_000) + (o.marginMs ?? marginOf(o.windowMs ?? 60_000));
    const base = `salvo:rate:{${o.key}}`; // one hash slot: the script runs on Redis Cluster too
    this.keys = ['log', 'waiters', 'seen', 'meta', 'served'].map((k) => `${base}:${k}`);
    this.redis = new Redis(o.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      commandTimeout: 1_000,
      retryStrategy: () => 250,
    });
    this.redis.on('error', () => undefined); // each failed call says what happened; the client reconnects on its own
    this.redis.defineCommand('salvoRate', { numberOfKeys: 5, lua: SCRIPT });
    this.beat = setInterval(() => void this.heartbeat(), HEARTBEAT_MS).unref();
  }

  static async connect(o: SharedRateOptions): Promise<SharedRate> {
    const rate = new SharedRate(o);
    try {
      await rate.redis.connect();
      await rate.call('beat', 0, '');
    } catch (error) {
      rate.close();
      throw new Error(
        `rateLimit.redis: cannot use the shared rate limit at ${redactUrl(o.url)}: ${describeError(error)}`,
      );
    }
    o.log(
      'info',
      `rate limit shared through Redis (key ${o.key}, ${o.share}): ${rate.capacity} orders in any ${rate.windowMs / 1000} s for the account, ${rate.runners} runner(s) on it now`,
    );
    return rate;
  }

  /** the most one decision grants: this runner's limit, the one Redis holds, and while Redis is lost, its share */
  get capacity(): number {
    return Math.max(1, Math.min(this.o.limit, this.storedLimit, this.share ?? Infinity));
  }

  /** grants all `n` (0) or nothing (ms to wait); never a part of them */
  async take(n: number): Promise<number> {
    try {
      const [wait] = await this.call('take', n, '');
      this.back();
      if (wait === 0) this.record(n);
      return wait;
    } catch (error) {
      return this.whileDown(n, error);
    }
  }

  giveUp(): void {
    void this.call('leave', 0, '').catch(() => undefined);
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
    void this.call('pause', Math.ceil(ms), '').catch(() => undefined);
  }

  limitTo(remaining: number): void {
    void this.call('cap', Math.max(0, Math.floor(remaining)), '').catch(() => undefined);
  }

  /** the runners on the key (this one included) at Redis's last answer: live within LIVE_MS */
  get runnersOnKey(): number {
    return this.runners;
  }

  /** what this runner could still send in the current minute: the budget a display shows */
  available(): number {
    return Math.max(0, Math.floor(this.share ?? this.capacity) - this.sentInLastMinute());
  }

  close(): void {
    clearInterval(this.beat);
    this.redis.disconnect();
  }

  /** one run of the script; a new epoch (Redis lost the log) is restored into before anything else */
  private async call(op: string, n: number, arg: string): Promise<Reply> {
    const reply = await this.send(op, n, arg);
    // runners and sends seen are kept from the old epoch until the restore has told Redis of them;
    // a heartbeat and a take that both meet the new epoch share one restore
    const last =
      this.epoch && reply[1] !== this.epoch
        ? await (this.restoring ??= this.restore(reply[1]).finally(() => (this.restoring = undefined)))
        : reply;
    this.epoch = last[1];
    this.runners = Math.max(1, last[3]);
    this.usedSeen = last[4];
    this.lookedAt = Date.now();
    return reply;
  }

  private async send(op: string, n: number, arg: string): Promise<Reply> {
    const reply = (await (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>).salvoRate(
      ...this.keys,
      op,
      this.o.runner,
      n,
      this.o.limit,
      this.o.share,
      this.epoch,
      arg,
      this.windowMs,
    )) as unknown[];
    const stored = Number(reply[2]);
    this.storedLimit = stored;
    if (stored !== this.o.limit && !this.warnedLimit) {
      this.warnedLimit = true;
      this.o.log(
        'warn',
        `rate limit key ${this.o.key} is shared by runners configured with different ordersPerMinute: it holds ${stored}, this runner says ${this.o.limit}; ${stored} applies to all`,
      );
    }
    return [Number(reply[0]), String(reply[1]), stored, Number(reply[3]), Number(reply[4])];
  }

  /**
   * Redis lost the log (a restart): put this runner's last minute back, say how many runners and
   * sends it saw before, and only then take the new epoch as known — a restore that fails is tried
   * again by the next call. Nobody sends until the runners seen have all restored (or RECOVERY_MAX_MS).
   */
  private async restore(epoch: string): Promise<Reply> {
    if (this.warnedEpoch !== epoch) {
      this.warnedEpoch = epoch;
      this.o.log(
        'warn',
        `the shared rate limit in Redis was reset (key ${this.o.key}); restoring this runner's sends of the last minute`,
      );
    }
    const now = Date.now();
    const before = this.restoredWith.until > now ? this.restoredWith : { runners: 0, floor: 0, lookedAt: 0 };
    const runners = Math.max(this.runners, before.runners);
    // the larger count, and the later look: both err on the safe side
    const [floor, lookedAt] = [Math.max(this.usedSeen, before.floor), Math.max(this.lookedAt, before.lookedAt)];
    this.restoredWith = { runners, floor, lookedAt, until: now + RECOVERY_MAX_MS };
    return this.send('restore', runners, `${floor}@${Math.max(0, now - lookedAt)};${this.ages()}`);
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.call('beat', 0, '');
      this.back();
    } catch {
      /* take() reports the outage */
    }
  }

  private ages(): string {
    const now = Date.now();
    return this.mine
      .filter((t) => now - t < this.windowMs)
      .map((t) => now - t)
      .join(',');
  }

  private record(n: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i++) this.mine.push(now);
    while (this.mine.length && now - this.mine[0] >= this.windowMs) this.mine.shift();
  }

  private whileDown(n: number, error: unknown): number {
    const now = Date.now();
    if (this.downSince === undefined) {
      this.downSince = now;
      this.o.log(
        'warn',
        `the shared rate limit's Redis is unreachable (${describeError(error)}); no order is sent for up to ${FALLBACK_AFTER_MS / 1000} s`,
      );
    }
    if (now - this.downSince < FALLBACK_AFTER_MS) return 250;
    if (this.share === undefined) {
      this.share = Math.max(1, Math.floor(this.o.limit / this.runners));
      this.o.log(
        'warn',
        `the shared rate limit's Redis is still unreachable: sending within this runner's share, ${this.share} in any ${this.windowMs / 1000} s (${this.o.limit} / ${this.runners} runner(s))`,
      );
    }
    if (this.pausedUntil > now) return this.pausedUntil - now;
    // what this runner sent in the last minute counts against its share, so the account never sees more than its limit
    if (n > this.share) return 1; // the throttle asks again within the share (capacity)
    const used = this.sentInLastMinute();
    if (used + n <= this.share) {
      this.record(n);
      return 0;
    }
    return this.mine[this.mine.length - used + (used + n - this.share - 1)] + this.windowMs - now + 1;
  }

  private sentInLastMinute(): number {
    const cutoff = Date.now() - this.windowMs;
    let i = this.mine.length;
    while (i > 0 && this.mine[i - 1] > cutoff) i--;
    return this.mine.length - i;
  }

  private back(): void {
    if (this.downSince === undefined) return;
    this.downSince = undefined;
    this.share = undefined;
    this.o.log('info', `the shared rate limit's Redis is back (key ${this.o.key})`);
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'a url that does not parse';
  }
}

/**
 * The default key: one per broker account, from what names the account (venue address, key id,
 * FIX CompIDs) hashed, so the key says nothing of the credential it comes from.
 */
export function accountKey(broker: { type: string } & Record<string, unknown>): string {
  const names = ['baseUrl', 'keyId', 'host', 'port', 'senderCompId', 'targetCompId', 'account'].map(
    (k) => broker[k] ?? '',
  );
  return `${broker.type}-${createHash('sha256')
    .update(JSON.stringify([broker.type, ...names]))
    .digest('hex')
    .slice(0, 16)}`;
}
