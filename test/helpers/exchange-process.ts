// `salvo exchange` in a process of its own, as a user starts it: a crash of the exchange is an exit
// of that process, which a test sees (`exited`), rather than the end of the test runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, SALVO } from './cli.js';

export interface ExchangeProcess {
  child: ChildProcess;
  restUrl: string;
  /** the market data websocket (Alpaca's v2/iex), for a runner's `quotes: { type: 'alpaca', url }` */
  dataUrl: string;
  httpPort: number;
  fixPort?: number;
  stdout(): string;
  stderr(): string;
  /** the exit code once the process has ended; undefined while it runs */
  exitCode(): number | null | undefined;
  /** SIGINT, then the exit code; 'hung' (and SIGKILL) when it has not exited within 20 s */
  stop(): Promise<number | null | 'hung'>;
}

export async function startExchangeProcess(args: string[], env: Record<string, string> = {}): Promise<ExchangeProcess> {
  const child = spawn(process.execPath, [SALVO, 'exchange', '--http-port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '',
    stderr = '';
  let code: number | null | undefined;
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (c) => {
      code = c;
      resolve(c);
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!/Ctrl-C stops it/.test(stdout) && code === undefined && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const restUrl = /Alpaca REST +(\S+)/.exec(stdout)?.[1];
  const dataUrl = /market data +(\S+)/.exec(stdout)?.[1];
  if (!restUrl || !dataUrl) {
    child.kill('SIGKILL');
    throw new Error(`salvo exchange did not start: ${stdout}${stderr}`);
  }
  const fix = /FIX 4\.4 +[^:\s]+:(\d+)/.exec(stdout)?.[1];
  return {
    child,
    restUrl,
    dataUrl,
    httpPort: Number(new URL(restUrl).port),
    fixPort: fix ? Number(fix) : undefined,
    stdout: () => stdout,
    stderr: () => stderr,
    exitCode: () => code,
    async stop() {
      if (code === undefined) child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => {
        timer = setTimeout(() => resolve('hung'), 20_000);
      });
      const result = await Promise.race([exited, hung]);
      clearTimeout(timer);
      if (result === 'hung') child.kill('SIGKILL');
      return result;
    },
  };
}
