// Independent FIX peers for the tests: QuickFIX C++'s example acceptors as Debian ships them
// prebuilt in libquickfix-doc (executor: fills every limit order at its price, rejects other
// types; ordermatch: FIX 4.2 order book across sessions, with cancel), and its example initiator
// (tradeclient: asks on stdin for each order, cancel or replace, and prints what it receives). Fetched with apt into the
// git-ignored test/.services/, started on a free port, stopped and restarted by the tests.
// A peer that cannot be provisioned fails the tests that need it with the command to run, under
// CI or not: nothing is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { freePort, listening } from './ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const home = path.join(root, 'test/.services/quickfix');
const examples = 'usr/share/doc/libquickfix-doc/examples';
const binaries = {
  executor: { packed: `${examples}/executor/C++/.libs/executor.gz`, bin: path.join(home, 'bin/executor') },
  ordermatch: { packed: `${examples}/ordermatch/.libs/ordermatch.gz`, bin: path.join(home, 'bin/ordermatch') },
  tradeclient: { packed: `${examples}/tradeclient/.libs/tradeclient.gz`, bin: path.join(home, 'bin/tradeclient') },
};
export const PROVISION_COMMAND =
  'apt-get install -y libquickfix17 && mkdir -p test/.services/quickfix && (cd test/.services/quickfix && apt-get download libquickfix-doc)';

const children = new Set<ChildProcess>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const run = (cmd: string, args: string[], cwd = home) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });
const libraryPresent = () => /libquickfix\.so\.17\b/.test(run('ldconfig', ['-p'], root).stdout ?? '');

function provision(): void {
  fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
  if (!Object.values(binaries).every((b) => fs.existsSync(b.bin))) {
    let deb = fs.readdirSync(home).find((f) => /^libquickfix-doc_.*\.deb$/.test(f));
    if (!deb) {
      const got = run('apt-get', ['download', 'libquickfix-doc']);
      deb = fs.readdirSync(home).find((f) => /^libquickfix-doc_.*\.deb$/.test(f));
      if (!deb)
        throw new Error(
          `apt-get download libquickfix-doc failed: ${(got.stderr || got.stdout || String(got.error)).trim()}`,
        );
    }
    const tree = path.join(home, 'deb');
    const x = run('dpkg', ['-x', deb, tree]);
    if (x.status !== 0) throw new Error(`dpkg -x ${deb} failed: ${(x.stderr || String(x.error)).trim()}`);
    for (const b of Object.values(binaries)) {
      fs.writeFileSync(b.bin, zlib.gunzipSync(fs.readFileSync(path.join(tree, b.packed))), { mode: 0o755 });
    }
    fs.rmSync(tree, { recursive: true, force: true }); // 60 MB of documentation, only two files wanted
  }
  if (!libraryPresent()) {
    let got = run('apt-get', ['install', '-y', 'libquickfix17']);
    if (got.status !== 0)
      got = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y libquickfix17'], { encoding: 'utf8' });
    if (!libraryPresent())
      throw new Error(
        `apt-get install -y libquickfix17 failed: ${(got.stderr || String(got.error)).trim().split('\n').slice(-2).join(' ')}`,
      );
  }
}

let provisioned: string | undefined | null = null;

/** throws, naming the command that provisions them, unless the peers are ready */
export function requireQuickFix(): void {
  if (provisioned === null) {
    try {
      provision();
      provisioned = undefined;
    } catch (error) {
      provisioned = `QuickFIX peers not available (${(error as Error).message}); run: ${PROVISION_COMMAND}`;
    }
  }
  if (provisioned) throw new Error(provisioned);
}

/** kept for callers written against the skipping version: now undefined when ready, else throws */
export function quickfixUnavailable(): undefined {
  requireQuickFix();
  return undefined;
}

export interface QuickFixSession {
  beginString: 'FIX.4.4' | 'FIX.4.2';
  senderCompId: string;
  targetCompId: string;
}

export interface QuickFixPeer {
  port: number;
  /** the acceptor's FileStorePath: its sequence numbers survive a restart, as in production */
  dir: string;
  /** stopped abruptly (SIGTERM, no Logout): a crash as the initiator sees it */
  kill(): Promise<void>;
  /** ordermatch only: '#quit' on stdin, which logs every session out first */
  quit(): Promise<void>;
  start(): Promise<void>;
  output(): string;
  /** the acceptor's stored next sender / target sequence numbers for one session */
  storedSeqNums(s: QuickFixSession): { sender: number; target: number };
  /** while stopped: as if messages had been lost in flight on the way in or out */
  setStoredSeqNums(s: QuickFixSession, next: { sender: number; target: number }): void;
}

/**
 * Writes QuickFIX's settings file `file` in `dir`: `settings` under [DEFAULT] with a store in
 * `dir`, sessions open all day and no data dictionary, then a [SESSION] per session.
 */
function writeSettings(dir: string, file: string, settings: string[], sessions: QuickFixSession[]): string {
  const config = path.join(dir, file);
  const defaults = [
    '[DEFAULT]',
    ...settings,
    `FileStorePath=${path.join(dir, 'store')}`,
    'StartTime=00:00:00',
    'EndTime=00:00:00',
    'UseDataDictionary=N',
  ];
  const perSession = sessions.flatMap((s) => [
    '',
    '[SESSION]',
    `BeginString=${s.beginString}`,
    `SenderCompID=${s.senderCompId}`,
    `TargetCompID=${s.targetCompId}`,
  ]);
  fs.writeFileSync(config, `${[...defaults, ...perSession].join('\n')}\n`);
  return config;
}

/** `showIncoming`: the peer prints every message it receives, for output() (the raw FIX, SOH-separated) */
export async function startQuickFix(
  kind: 'executor' | 'ordermatch',
  sessions: QuickFixSession[],
  options: { showIncoming?: boolean } = {},
): Promise<QuickFixPeer> {
  requireQuickFix();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `salvo-quickfix-${kind}-`));
  dirs.push(dir);
  const config = writeSettings(
    dir,
    'acceptor.cfg',
    [
      'ConnectionType=acceptor',
      `SocketAcceptPort=${port}`,
      'SocketAcceptHost=127.0.0.1',
      'SocketReuseAddress=Y',
      `ScreenLogShowIncoming=${options.showIncoming ? 'Y' : 'N'}`,
      'ScreenLogShowOutgoing=N',
      'ScreenLogShowEvents=Y',
    ],
    sessions,
  );
  let child: ChildProcess | undefined;
  let log = '';
  const seqNumsFile = (s: QuickFixSession) =>
    path.join(dir, 'store', `${s.beginString}-${s.senderCompId}-${s.targetCompId}.seqnums`);
  const start = async () => {
    // ordermatch reads commands from stdin: an open pipe, never EOF (at EOF it spins)
    const c = spawn(binaries[kind].bin, [config], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    children.add(c);
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-32_000);
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    c.once('exit', () => children.delete(c));
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (c.exitCode !== null || Date.now() > deadline)
        throw new Error(`QuickFIX ${kind} did not listen on ${port}:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (how: () => void) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    how.call(c);
    const late = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(late);
  };
  await start();
  return {
    port,
    dir,
    start,
    output: () => log,
    kill: () =>
      stop(function (this: ChildProcess) {
        this.kill('SIGTERM');
      }),
    quit: () =>
      stop(function (this: ChildProcess) {
        this.stdin!.write('#quit\n');
      }),
    storedSeqNums: (s) => {
      const [sender, target] = fs
        .readFileSync(seqNumsFile(s), 'utf8')
        .split(':')
        .map((x) => Number(x.trim()));
      return { sender, target };
    },
    setStoredSeqNums: (s, next) => {
      const pad = (x: number) => String(x).padStart(10, '0');
      fs.writeFileSync(seqNumsFile(s), `${pad(next.sender)} : ${pad(next.target)}`);
    },
  };
}

export interface TradeClient {
  /**
   * one message: tradeclient's questions answered by their label (Action, BeginString, ClOrdID, Side,
   * OrdType, Symbol, OrderQty, Price, …; 'New price?'), whatever order it asks them in; the header
   * questions and the final "Send …?" are answered here
   */
  send(form: Record<string, string | number>): void;
  /** the application messages it received, as tag → value */
  received(): Array<Record<string, string>>;
  output(): string;
  stop(): Promise<void>;
}

/** QuickFIX's tradeclient logged on to an acceptor at 127.0.0.1:`port` */
export async function startTradeClient(s: QuickFixSession, port: number): Promise<TradeClient> {
  requireQuickFix();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'salvo-quickfix-tradeclient-'));
  dirs.push(dir);
  const config = writeSettings(
    dir,
    'initiator.cfg',
    [
      'ConnectionType=initiator',
      'SocketConnectHost=127.0.0.1',
      `SocketConnectPort=${port}`,
      'HeartBtInt=30',
      'ReconnectInterval=1',
      'ResetOnLogon=Y',
      'ScreenLogShowIncoming=N',
      'ScreenLogShowOutgoing=N',
      'ScreenLogShowEvents=N',
    ],
    [s],
  );
  const child = spawn(binaries.tradeclient.bin, [config], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let log = '';
  /** how far the questions in the log have been answered */
  let answered = 0;
  const forms: Array<Record<string, string | number>> = [];
  const header = { SenderCompID: s.senderCompId, TargetCompID: s.targetCompId, 'Use a TargetSubID?': 'n' };
  // its arguments are evaluated in an order C++ leaves open, so questions are answered by label
  const answer = () => {
    for (;;) {
      const question = /\n([A-Za-z][A-Za-z ]*\??): (?=\n|$)/.exec(log.slice(answered));
      const form = forms[0];
      if (!question || !form) return;
      answered += question.index + question[0].length;
      const label = question[1];
      if (/^Send \w+\?$/.test(label)) {
        forms.shift();
        child.stdin!.write('y\n');
        continue;
      }
      const value = Object.hasOwn(form, label) ? form[label] : (header as Record<string, string>)[label];
      if (value === undefined) throw new Error(`tradeclient asked '${label}', which the test did not answer`);
      child.stdin!.write(`${value}\n`);
    }
  };
  const keep = (chunk: Buffer) => {
    log += chunk.toString();
    answer();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 15_000;
  while (!log.includes('Logon - ')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`QuickFIX tradeclient did not log on to port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    send: (form) => {
      forms.push(form);
      answer();
    },
    received: () =>
      [...log.matchAll(/IN: (8=FIX[^\n]*)/g)].map((m) =>
        Object.fromEntries(
          m[1]
            .split('\x01')
            .filter(Boolean)
            .map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
        ),
      ),
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(late);
    },
  };
}
