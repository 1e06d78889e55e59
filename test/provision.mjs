// The test peers, provisioned once before the tests (test/run.mjs and .ci/run both run this):
// redis-server, Java 17 and Kafka 3.9's jars (mvn, Maven Central), Chromium, QuickFIX C++
// (libquickfix17, and libquickfix-doc's prebuilt example acceptors), tmux, and alpaca-py (the
// official Python Alpaca SDK, in a venv under test/.services from PyPI). What is missing is
// installed with apt-get as root (apt-get update only when an install fails); without root each
// missing peer is printed with the command that installs it, and the tests that need it fail
// with that command. Nothing is skipped. `node test/provision.mjs` exits 1 if anything is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const quickfixHome = path.join(root, 'test/.services/quickfix');
const kafkaLib = path.join(root, 'test/kafka/lib');
/** alpaca-py's own venv: never the system Python's packages, never committed */
export const ALPACA_PY_VENV = path.join(root, 'test/.services/alpaca-py');
export const ALPACA_PY = path.join(ALPACA_PY_VENV, 'bin/python');
const sh = (cmd) => spawnSync('sh', ['-c', cmd], { cwd: root, encoding: 'utf8' });
const have = (bin) => sh(`command -v ${bin}`).status === 0;
const isRoot = process.getuid?.() === 0;

/** each peer: whether it is there, and the Debian package that brings it */
const PEERS = [
  { what: 'redis-server (Redis tests)', present: () => have('redis-server'), apt: 'redis-server' },
  { what: 'Java 17 (the Kafka test broker)', present: () => have('java'), apt: 'openjdk-17-jre-headless' },
  { what: "maven (fetches Kafka's jars)", present: () => have('mvn') || kafkaJars(), apt: 'maven' },
  {
    what: 'Chromium (salvo review --html)',
    present: () => fs.existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    apt: 'chromium',
  },
  {
    what: 'libquickfix17 (QuickFIX peers)',
    present: () => /libquickfix\.so\.17\b/.test(sh('ldconfig -p').stdout ?? ''),
    apt: 'libquickfix17',
  },
  { what: 'tmux (the live display on screen)', present: () => have('tmux'), apt: 'tmux' },
];
const kafkaJars = () =>
  fs.existsSync(kafkaLib) && fs.readdirSync(kafkaLib).some((f) => /^kafka_2\.13-3\.9\.\d+\.jar$/.test(f));
const quickfixDeb = () =>
  fs.existsSync(quickfixHome) && fs.readdirSync(quickfixHome).some((f) => /^libquickfix-doc_.*\.deb$/.test(f));

export const INSTALL = {
  apt: (packages) =>
    `${isRoot ? '' : 'sudo '}apt-get update && ${isRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`,
  kafka: 'mvn -q -B -f test/kafka/pom.xml dependency:copy-dependencies',
  quickfixDoc: 'mkdir -p test/.services/quickfix && (cd test/.services/quickfix && apt-get download libquickfix-doc)',
  alpacaPy: 'python3 -m venv test/.services/alpaca-py && test/.services/alpaca-py/bin/pip install -q alpaca-py',
};

/** whether the venv's Python imports alpaca-py's trading client */
export const alpacaPyReady = () =>
  fs.existsSync(ALPACA_PY) &&
  spawnSync(ALPACA_PY, ['-c', 'import alpaca.trading.client'], { encoding: 'utf8' }).status === 0;

/** installs what is missing; returns one line per peer still missing, with its command */
export function provision(log = (line) => process.stderr.write(`${line}\n`)) {
  const problems = [];
  const missing = PEERS.filter((p) => !p.present());
  if (missing.length) {
    const packages = missing.map((p) => p.apt);
    if (isRoot) {
      log(`provisioning test peers: apt-get install -y ${packages.join(' ')}`);
      const install = `DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${packages.join(' ')}`;
      if (sh(install).status !== 0) spawnSync('sh', ['-c', `apt-get update -q && ${install}`], { stdio: 'inherit' });
    }
    for (const p of missing.filter((x) => !x.present())) problems.push(`${p.what} is missing: ${INSTALL.apt([p.apt])}`);
  }
  if (!kafkaJars() && have('mvn')) {
    log(`provisioning test peers: ${INSTALL.kafka}`);
    spawnSync('mvn', ['-q', '-B', '-f', path.join(root, 'test/kafka/pom.xml'), 'dependency:copy-dependencies'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  if (!kafkaJars()) problems.push(`Kafka 3.9's jars are missing from test/kafka/lib: ${INSTALL.kafka}`);
  if (!quickfixDeb()) {
    fs.mkdirSync(quickfixHome, { recursive: true });
    log('provisioning test peers: apt-get download libquickfix-doc');
    const download = `cd ${JSON.stringify(quickfixHome)} && apt-get download libquickfix-doc`;
    if (sh(download).status !== 0 && isRoot) sh(`apt-get update -q && ${download}`);
    if (!quickfixDeb())
      problems.push(`libquickfix-doc (QuickFIX's example acceptors) is missing: ${INSTALL.quickfixDoc}`);
  }
  if (!alpacaPyReady()) {
    log(`provisioning test peers: ${INSTALL.alpacaPy}`);
    sh(INSTALL.alpacaPy);
    if (!alpacaPyReady()) problems.push(`alpaca-py (the official Python Alpaca SDK) is missing: ${INSTALL.alpacaPy}`);
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = provision();
  for (const p of problems) process.stderr.write(`test peers: ${p}\n`);
  process.exit(problems.length ? 1 : 0);
}
