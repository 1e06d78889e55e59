// Loopback ports for the test peers: a free one to start a service on, and whether one answers.
import net from 'node:net';

/**
 * Ports this process has handed out. The OS may give a port back as soon as its probe socket
 * closes, so two calls in a row (Kafka wants three ports) could return the same one; a port
 * handed out once is never handed out again by this process.
 */
const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** a loopback port nothing listens on now and that this process has not handed out before */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no new free loopback port after 100 tries (${handedOut.size} handed out already)`);
}

/** `n` distinct free ports */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

/** true when something accepts connections on 127.0.0.1:port */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
