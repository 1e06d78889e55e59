// Real Redis and Kafka for tests and benchmarks: each started on a free loopback port, stopped
// (and restartable, to test lost connections) by the caller, killed when the process exits.
// What is missing is provisioned, or the failure says the exact command; nothing is skipped.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, listening } from './ports.js';

const portOpenAt = (hostPort: string) => {
  const [host, port] = hostPort.split(':');
  return listening(Number(port), host);
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const servicesDir = path.join(root, 'test/.services');
const kafkaDir = path.join(root, 'test/kafka');
const children = new Set<ChildProcess>();
const dirs: string[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

export interface RedisService {
  port: number;
  url: string;
  password?: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}
export interface KafkaService {
  brokers: string[];
  /** a SASL_PLAINTEXT listener taking PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for `user` */
  saslBrokers: string[];
  user: { username: string; password: string };
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const KAFKA_USER = { username: 'salvo', password: 'salvo-secret' };

export async function startRedis(options: { password?: string } = {}): Promise<RedisService> {
  const bin = ensureRedisServer();
  const port = await freePort();
  const dir = serviceDir('redis-');
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  if (options.password) args.push('--requirepass', options.password);
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = launch(bin, args, path.join(dir, 'redis.log'));
    await waitFor(
      () => answers(port, 'PING\r\n', /^(\+PONG|-NOAUTH)/),
      10_000,
      `redis-server on port ${port}`,
      proc,
      path.join(dir, 'redis.log'),
    );
  };
  const stop = async () => {
    if (proc) await terminate(proc);
    proc = undefined;
  };
  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    password: options.password,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

export async function startKafka(): Promise<KafkaService> {
  const classpath = ensureKafkaJars();
  const [port, controllerPort, saslPort] = [await freePort(), await freePort(), await freePort()];
  const { username, password } = KAFKA_USER;
  const dir = serviceDir('kafka-');
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(
    props,
    `${[
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'num.network.threads=2',
      'num.io.threads=2',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'group.min.session.timeout.ms=1000',
      'auto.create.topics.enable=true',
      'log.retention.hours=1',
      // a restarted broker re-registers only once its old session has expired: keep that short
      'broker.heartbeat.interval.ms=500',
      'broker.session.timeout.ms=2000',
    ].join('\n')}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'log4j.properties'),
    `${[
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ].join('\n')}\n`,
  );
  const jvm = [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseSerialGC',
    `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`,
    '-cp',
    classpath,
  ];
  // SCRAM users live in the cluster metadata; KRaft can add them when the storage is formatted
  const scram = ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => [
    '--add-scram',
    `${m}=[name=${username},password=${password}]`,
  ]);
  const format = spawnSync(
    'java',
    [...jvm, 'kafka.tools.StorageTool', 'format', '-t', 'salvo-test-cluster-0001', '-c', props, ...scram],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) throw new Error(`formatting Kafka storage failed: ${format.stderr || format.stdout}`);
  const brokers = [`127.0.0.1:${port}`];
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = launch('java', [...jvm, 'kafka.Kafka', props], path.join(dir, 'kafka.log'));
    await waitFor(
      () => kafkaAnswers(brokers),
      60_000,
      `Kafka broker on port ${port}`,
      proc,
      path.join(dir, 'kafka.log'),
    );
  };
  const stop = async () => {
    if (proc) await terminate(proc);
    proc = undefined;
  };
  await start();
  return {
    brokers,
    saslBrokers: [`127.0.0.1:${saslPort}`],
    user: KAFKA_USER,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** the redis-server binary, installed with apt-get when missing and we are root */
function ensureRedisServer(): string {
  const found = which('redis-server');
  if (found) return found;
  const command = 'apt-get install -y redis-server';
  if (process.getuid?.() !== 0)
    throw new Error(`redis-server is not installed; the Redis tests need it: sudo ${command}`);
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'inherit' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'inherit' });
  }
  const bin = which('redis-server');
  if (r.status !== 0 || !bin) throw new Error(`could not install redis-server; run: apt-get update && ${command}`);
  return bin;
}

/** Kafka's jars from Maven Central (cached in ~/.m2), fetched with mvn when missing */
export function ensureKafkaJars(): string {
  const lib = path.join(kafkaDir, 'lib');
  const ready = () => fs.existsSync(lib) && fs.readdirSync(lib).some((f) => /^kafka_2\.13-3\.9\.\d+\.jar$/.test(f));
  const command = 'mvn -q -B -f test/kafka/pom.xml dependency:copy-dependencies';
  if (!which('java'))
    throw new Error('java is not installed; the Kafka tests need Java 17+: apt-get install -y openjdk-17-jre-headless');
  if (!ready()) {
    if (!which('mvn')) {
      if (process.getuid?.() !== 0)
        throw new Error(
          `mvn is not installed; the Kafka tests need it to fetch Kafka: sudo apt-get install -y maven && ${command}`,
        );
      spawnSync('apt-get', ['install', '-y', '-q', 'maven'], { stdio: 'inherit' });
    }
    const r = spawnSync('mvn', ['-q', '-B', '-f', path.join(kafkaDir, 'pom.xml'), 'dependency:copy-dependencies'], {
      stdio: 'inherit',
      cwd: root,
    });
    if (r.status !== 0 || !ready()) throw new Error(`could not fetch Kafka's jars; run: ${command}`);
  }
  return `${lib}/*`;
}

function launch(bin: string, args: string[], logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  child: ChildProcess,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  child.kill('SIGKILL');
  throw new Error(
    `${what} did not come up (${child.exitCode !== null ? `exited with ${child.exitCode}` : `no answer in ${timeoutMs} ms`}):\n${log}`,
  );
}

function answers(port: number, send: string, expect: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(send));
    socket.once('data', (d) => done(expect.test(d.toString())));
  });
}

/** the broker answers metadata requests (it has joined its own KRaft quorum) */
async function kafkaAnswers(brokers: string[]): Promise<boolean> {
  if (!(await portOpenAt(brokers[0]))) return false;
  const admin = new Kafka({
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** a data folder under test/.services/ (git-ignored), removed when the process exits */
function serviceDir(prefix: string): string {
  fs.mkdirSync(servicesDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(servicesDir, prefix));
  dirs.push(dir);
  return dir;
}
