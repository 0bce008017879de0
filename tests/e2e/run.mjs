// `npm run e2e` (docs/e2e.md): builds what the browser tests need (the plugin backend
// and engine into dist/, the e2e host, the e2e page), starts the host, runs the specs
// in tests/e2e/specs with Node's test runner against it, and stops everything.
//
// E2E_SKIP_BUILD=1 reuses dist/ and tests/e2e/page/dist (quick local iterations).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`e2e [${elapsed()}] ${msg}`);

function run(what, cmd, args, env = {}) {
  log(what);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal})`);
  }
}

// CI builds linux/amd64 (build:linux); elsewhere the backend for this machine.
const goos = process.platform === 'win32' ? 'windows' : process.platform;
const goarch = { x64: 'amd64', arm64: 'arm64', arm: 'arm' }[process.arch] ?? process.arch;
const buildTarget = goos === 'linux' && goarch === 'amd64' ? 'build:linux' : 'build:backend';

const work = mkdtempSync(path.join(tmpdir(), 'trafficsim-e2e-'));
const hostBin = path.join(work, 'e2e-host');
let host;

async function startHost() {
  const plugin = path.join(root, 'dist', `gpx_trafficsim_${goos}_${goarch}`);
  host = spawn(
    hostBin,
    [
      '-plugin',
      plugin,
      '-page',
      path.join(root, 'tests/e2e/page/dist'),
      '-settings',
      '{"maxUsers": 50, "maxConcurrentRuns": 2}',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: work },
    }
  );
  host.stderr.on('data', (d) => {
    if (process.env.E2E_HOST_LOG) {
      process.stderr.write(d);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the e2e host did not start within 60 s')), 60000);
    let out = '';
    host.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the e2e host exited (${code}) before listening; run with E2E_HOST_LOG=1 to see its log`));
    });
  });
}

function stopHost() {
  if (!host || host.exitCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => host.kill('SIGKILL'), 8000);
    host.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    host.kill('SIGTERM'); // the host shuts the plugin down, which takes its engine with it
  });
}

let code = 1;
try {
  if (!process.env.E2E_SKIP_BUILD) {
    run(`building the plugin backend and engine (go run mage.go ${buildTarget})`, 'go', [
      'run',
      'mage.go',
      buildTarget,
    ]);
    run('building the e2e page (webpack)', 'npx', ['webpack', '-c', 'tests/e2e/page/webpack.config.mjs']);
  }
  run('building the e2e host', 'go', ['build', '-o', hostBin, './tests/e2e/host']);
  const url = await startHost();
  log(`host at ${url}`);
  const specs = readdirSync(path.join(root, 'tests/e2e/specs'))
    .filter((f) => f.endsWith('.test.mjs'))
    // E2E_SPECS=07,leftovers runs only the spec files whose names contain one of them.
    .filter((f) => !process.env.E2E_SPECS || process.env.E2E_SPECS.split(',').some((s) => f.includes(s)))
    .sort()
    .map((f) => path.join('tests/e2e/specs', f));
  // One spec file at a time: they share the host, its settings and the run limit.
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...specs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, E2E_BASE_URL: url },
  });
  code = r.status ?? 1;
  log(code === 0 ? 'specs passed' : `specs failed; screenshots in tests/e2e/artifacts`);
} catch (err) {
  console.error(`e2e: ${err.message}`);
  code = 1;
} finally {
  await stopHost();
  rmSync(work, { recursive: true, force: true });
  log('stopped');
}
process.exit(code);
