#!/usr/bin/env node
// Weft's benchmark driver. See docs/benchmarks.md.
//
//   npm run bench                      full run (under 10 minutes on 2 cores)
//   npm run bench -- --quick           short run with smaller counts (under 2 minutes)
//   npm run bench -- --json            the results as JSON on stdout (progress stays on stderr)
//   npm run bench -- --only W1,W3      some workloads only (the floors always run)
//   npm run bench -- --dir PATH        where the SQLite files go (default: a new folder in the OS temp dir)
//   npm run bench -- --store postgres  W1-W4 and W6 on PostgreSQL too (WEFT_BENCH_POSTGRES_URL), beside
//                                      SQLite, and W3 carried by 1, 2 and 4 worker processes
//
// Every workload runs in a fresh child process (bench/workloads/*.mjs), which warms up and then
// measures, and prints one JSON line. The floors run in their own process at the start and at the
// end; the lower of the two figures is the floor. Each figure is printed with its ratio to the
// floor that bounds it, and with the issue's target beside it. Nothing is asserted: the exit code
// is 0 when every workload ran, 1 when one failed (an engine error, not a slow figure).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, arch, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODES, POSTGRES_MODE, parseArgs } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = parseArgs();
const quick = args.quick === true;
const asJson = args.json === true;
const only =
  typeof args.only === 'string'
    ? new Set(args.only.split(',').map((s) => s.trim().toUpperCase()))
    : undefined;
const childTimeoutMs = (quick ? 120 : 300) * 1000;
const stores = new Set(
  typeof args.store === 'string' ? args.store.split(',').map((s) => s.trim()) : ['sqlite'],
);
for (const s of stores) {
  if (s !== 'sqlite' && s !== 'postgres')
    throw new Error(`unknown --store ${s} (sqlite | postgres)`);
}
const onPostgres = stores.has('postgres');

const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

// ---- the plan -----------------------------------------------------------------------------------

const MODE_NAMES = Object.keys(MODES);
const floorArgs = onPostgres ? ['--postgres'] : [];
const jobs = [{ key: 'floors-1', workload: 'floors', file: 'floors.mjs', args: floorArgs }];
const want = (w) => only === undefined || only.has(w);
for (const [w, file] of [
  ['W1', 'w1-chain5.mjs'],
  ['W2', 'w2-dag20.mjs'],
  ['W3', 'w3-throughput.mjs'],
]) {
  if (!want(w)) continue;
  for (const m of MODE_NAMES)
    jobs.push({ key: `${w}-${m}`, workload: w, file, args: ['--mode', m] });
  if (onPostgres) {
    jobs.push({ key: `${w}-postgres`, workload: w, file, args: ['--mode', 'postgres'] });
  }
}
// W3's runs queued by a driver process and carried by worker processes, at the engine's default
// poll (a worker that lets go of runs claims queued ones at once).
const CLUSTER_SIZES = [1, 2, 4];
const CLUSTER_POLLS = [undefined];
if (onPostgres && want('W3')) {
  for (const poll of CLUSTER_POLLS) {
    for (const n of CLUSTER_SIZES) {
      jobs.push({
        key: clusterKey(n, poll),
        workload: 'W3',
        file: 'w3-cluster.mjs',
        args: ['--workers', String(n), ...(poll === undefined ? [] : ['--poll-ms', String(poll)])],
      });
    }
  }
}
if (want('W4')) {
  for (const v of ['wait', 'human']) {
    jobs.push({ key: `W4-${v}`, workload: 'W4', file: 'w4-parked.mjs', args: ['--variant', v] });
    if (onPostgres) {
      jobs.push({
        key: `W4-${v}-postgres`,
        workload: 'W4',
        file: 'w4-parked.mjs',
        args: ['--variant', v, '--mode', 'postgres'],
      });
    }
  }
}
if (want('W5'))
  jobs.push({
    key: 'W5',
    workload: 'W5',
    file: 'w5-definitions.mjs',
    args: quick ? ['--nodes', '2000'] : [],
  });
if (want('W6')) {
  jobs.push({ key: 'W6', workload: 'W6', file: 'w6-recovery.mjs', args: [] });
  if (onPostgres) {
    jobs.push({
      key: 'W6-postgres',
      workload: 'W6',
      file: 'w6-recovery.mjs',
      args: ['--mode', 'postgres'],
    });
  }
}
if (want('W7')) jobs.push({ key: 'W7', workload: 'W7', file: 'w7-storage.mjs', args: [] });
if (want('W8')) jobs.push({ key: 'W8', workload: 'W8', file: 'w8-code.mjs', args: [] });
if (want('W9')) jobs.push({ key: 'W9', workload: 'W9', file: 'w9-agent.mjs', args: [] });
jobs.push({ key: 'floors-2', workload: 'floors', file: 'floors.mjs', args: floorArgs });

function clusterKey(workers, poll) {
  return `W3-cluster-${workers}${poll === undefined ? '' : `-poll${poll}`}`;
}

// ---- running ------------------------------------------------------------------------------------

function runChild(job, dir) {
  const childArgs = ['--expose-gc', join(here, 'workloads', job.file), ...job.args, '--dir', dir];
  if (quick) childArgs.push('--quick');
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, childArgs, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const lines = out.trim().split('\n').filter(Boolean);
      let data;
      try {
        data = JSON.parse(lines[lines.length - 1] ?? '');
      } catch {
        data = undefined;
      }
      if (code !== 0 || data === undefined || data.error !== undefined) {
        const why =
          data?.error ??
          (signal !== null
            ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${childTimeoutMs / 1000} s?)` : ''}`
            : `exit ${code}`);
        resolve({
          ok: false,
          seconds,
          error: anonymous(why, dir),
          stderr: anonymous(err.slice(-2000), dir),
          data,
        });
      } else {
        resolve({ ok: true, seconds, data });
      }
    });
  });
}

/** Error text without this machine's paths (results/latest.json stays shareable). */
function anonymous(text, dir) {
  return String(text).split(dir).join('<dir>').split(root).join('.');
}

function machine() {
  const list = cpus();
  let sqliteVersion;
  let gitCommit;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (dirty.trim() !== '') gitCommit += ' (packages modified)';
  } catch {
    gitCommit = undefined;
  }
  const version = (p) => {
    try {
      return JSON.parse(readFileSync(join(root, p), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  return {
    cpus: list.length,
    cpuModel: list[0]?.model?.trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    weft: version('packages/weft/package.json'),
    betterSqlite3: version('node_modules/better-sqlite3/package.json'),
    sqliteVersion,
    gitCommit,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

async function sqliteVersion() {
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    const v = db.prepare('SELECT sqlite_version() AS v').get().v;
    db.close();
    return v;
  } catch {
    return undefined;
  }
}

// ---- figures, floors, ratios and targets ----------------------------------------------------------

const fmtMs = (ms) => {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  if (ms < 10000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
};
const fmtUs = (us) => `${us.toFixed(1)} µs`;
const fmtNum = (n, d = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '—';
const fmtBytes = (b) => {
  if (!Number.isFinite(b)) return '—';
  const a = Math.abs(b);
  if (a < 1024) return `${b.toFixed(0)} B`;
  if (a < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 ** 2).toFixed(1)} MiB`;
};
const fmtRatio = (r) => (Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×` : '—');

/** The lower of the two floor runs, per figure; both kept for the noise. */
function combineFloors(a, b) {
  const runs = [a, b].filter((f) => f !== undefined);
  if (runs.length === 0) return undefined;
  const min = (get) => Math.min(...runs.map(get).filter(Number.isFinite));
  // For rates the floor is the higher figure.
  const max = (get) => Math.max(...runs.map(get).filter(Number.isFinite));
  const sqlite = {};
  for (const m of MODE_NAMES) {
    sqlite[m] = {
      pragmas: runs[0].sqlite[m].pragmas,
      commit1Ms: min((f) => f.sqlite[m].commit1Ms),
      commit100Ms: min((f) => f.sqlite[m].commit100Ms),
      row100Ms: min((f) => f.sqlite[m].row100Ms),
    };
  }
  const postgres = runs.every((f) => f.postgres !== undefined)
    ? {
        settings: runs[0].postgres.settings,
        commit1Ms: min((f) => f.postgres.commit1Ms),
        commit100Ms: min((f) => f.postgres.commit100Ms),
        row100Ms: min((f) => f.postgres.row100Ms),
        commitsPerSecond1: max((f) => f.postgres.commitsPerSecond1),
        commitsPerSecond16: max((f) => f.postgres.commitsPerSecond16),
      }
    : undefined;
  return {
    sqlite,
    postgres,
    plain: {
      chain5Ms: min((f) => f.plain.chain5.perRunMs),
      dag20Ms: min((f) => f.plain.dag20.perRunMs),
    },
    runs,
  };
}

/**
 * A target met or missed, as text. `better` is 'lower' or 'higher'; `limit` in the figure's unit.
 */
function target(text, value, limit, better, fmt) {
  if (limit === undefined) return { text, status: '' };
  const met = better === 'lower' ? value <= limit : value >= limit;
  if (met) return { text, status: 'met' };
  const by = better === 'lower' ? value - limit : limit - value;
  const times = better === 'lower' ? value / limit : limit / value;
  return { text, status: `missed by ${fmt(by)} (${fmtRatio(times)})` };
}

/**
 * The durable floor a W1-W3 process measured itself, right before and right after its measured
 * phase (the lower of the two): the bound for its own figures, taken under the same disk load.
 */
function localFloor(d, key) {
  const f = d.floor;
  if (f === undefined) return undefined;
  const v = Math.min(f.before?.[key] ?? Infinity, f.after?.[key] ?? Infinity);
  return Number.isFinite(v) ? v : undefined;
}

/** The same for a rate (commits per second): the higher of the two. */
function localRate(d, key) {
  const f = d.floor;
  if (f === undefined) return undefined;
  const v = Math.max(f.before?.[key] ?? -Infinity, f.after?.[key] ?? -Infinity);
  return Number.isFinite(v) ? v : undefined;
}

/** A target given for 10,000 runs, scaled to the runs measured (--quick runs fewer). */
function scaledTarget(msPer10k, runs, value) {
  const limit = (msPer10k * runs) / 10000;
  const text =
    runs === 10000 ? `≤ ${fmtMs(msPer10k)}` : `≤ ${fmtMs(limit)} (${fmtMs(msPer10k)} per 10,000)`;
  return target(text, value, limit, 'lower', fmtMs);
}

function rowsFor(results, floors) {
  const rows = [];
  const add = (r) => rows.push({ floor: '', ratio: '', target: '', status: '', ...r });
  // The durable floor of a mode: SQLite's of that mode, or PostgreSQL's.
  const floorOf = (m) => (m === 'postgres' ? floors.postgres : floors.sqlite[m]) ?? {};
  const modes = onPostgres ? [...MODE_NAMES, 'postgres'] : MODE_NAMES;
  for (const w of ['W1', 'W2']) {
    const nodes = w === 'W1' ? 5 : 20;
    const plainMs = w === 'W1' ? floors.plain.chain5Ms : floors.plain.dag20Ms;
    const shape = w === 'W1' ? 'W1 chain5' : 'W2 dag20';
    for (const m of modes) {
      const r = results[`${w}-${m}`];
      if (r === undefined) continue;
      if (!r.ok) {
        add({ workload: shape, mode: m, figure: 'FAILED', value: r.error });
        continue;
      }
      const d = r.data;
      const commitMs = localFloor(d, 'commit1Ms') ?? floorOf(m).commit1Ms;
      const durable = d.commitsPerRun * commitMs;
      // The floor that bounds a run: its commits at the floor's commit time, or the plain
      // JavaScript doing the same work, whichever is slower.
      const bound = Math.max(durable, plainMs);
      const boundText =
        durable >= plainMs
          ? `${fmtNum(d.commitsPerRun, 2)} commits × ${fmtMs(commitMs)} = ${fmtMs(durable)}`
          : `plain JS ${fmtMs(plainMs)}`;
      let t = { text: '', status: '' };
      // With synchronous=FULL the floor is the disk's: the targets are ratios to it.
      const ratio = d.latencyMs.median / bound;
      if (w === 'W1' && m === 'full') t = target('≤ 1.2× floor', ratio, 1.2, 'lower', fmtRatio);
      if (w === 'W1' && m === 'normal')
        t = target('≤ 0.3 ms', d.latencyMs.median, 0.3, 'lower', fmtMs);
      if (w === 'W2' && m === 'full') t = target('≤ 1.5× floor', ratio, 1.5, 'lower', fmtRatio);
      if (w === 'W2' && m === 'normal')
        t = target('≤ 1.5 ms', d.latencyMs.median, 1.5, 'lower', fmtMs);
      if (w === 'W1' && m === 'postgres') t = target('≤ 1.5× floor', ratio, 1.5, 'lower', fmtRatio);
      add({
        workload: shape,
        mode: m,
        figure: `median latency (${d.runs} runs)`,
        value: fmtMs(d.latencyMs.median),
        floor: boundText,
        ratio: fmtRatio(ratio),
        target: t.text,
        status: t.status,
      });
      add({
        workload: shape,
        mode: m,
        figure: 'p99 latency',
        value: fmtMs(d.latencyMs.p99),
        floor: fmtMs(bound),
        ratio: fmtRatio(d.latencyMs.p99 / bound),
      });
      add({
        workload: shape,
        mode: m,
        figure: 'commits / decisions / events per run',
        value: `${fmtNum(d.commitsPerRun, 2)} / ${fmtNum(d.decisionsPerRun, 1)} / ${fmtNum(d.eventsPerRun, 1)}`,
        floor: w === 'W2' ? 'fan-out sharing commits: ≥ 4' : 'a chain: 1 per step + start = 6',
      });
      if (d.prune !== undefined) addPrune(add, shape, m, d.prune);
      if (m === 'memory') {
        const overheadUs = ((d.latencyMs.median - plainMs) * 1000) / nodes;
        const tt = target('≤ 20 µs', overheadUs, 20, 'lower', fmtUs);
        add({
          workload: shape,
          mode: m,
          figure: `engine overhead per node: (median − plain JS) / ${nodes}`,
          value: fmtUs(overheadUs),
          floor: `plain JS ${fmtUs((plainMs * 1000) / nodes)} per node`,
          ratio: fmtRatio(d.latencyMs.median / plainMs),
          target: w === 'W1' ? tt.text : '',
          status: w === 'W1' ? tt.status : '',
        });
      }
    }
  }
  for (const m of modes) {
    const r = results[`W3-${m}`];
    if (r === undefined) continue;
    if (!r.ok) {
      add({ workload: 'W3 throughput', mode: m, figure: 'FAILED', value: r.error });
      continue;
    }
    const d = r.data;
    // Bound per step: one row per step written in 100-row commits, or the plain JavaScript step.
    const perStepMs = Math.max(
      localFloor(d, 'row100Ms') ?? floorOf(m).row100Ms,
      floors.plain.chain5Ms / 5,
    );
    const floorSteps = 1000 / perStepMs;
    // SQLite's durable target, and PostgreSQL's for one worker; the memory rows are there to compare.
    const t =
      m === 'memory'
        ? { text: '', status: '' }
        : m === 'postgres'
          ? target('≥ 10,000 steps/s', d.stepsPerSecond, 10000, 'higher', (x) => fmtNum(x))
          : target('≥ 20,000 steps/s', d.stepsPerSecond, 20000, 'higher', (x) => fmtNum(x));
    add({
      workload: 'W3 throughput',
      mode: m,
      figure: `steps/s (${fmtNum(d.runs)} runs × 5, ${d.concurrency} at a time)`,
      value: fmtNum(d.stepsPerSecond),
      floor: `${fmtNum(floorSteps)} steps/s (1 row per step, 100 per commit)`,
      ratio: fmtRatio(floorSteps / d.stepsPerSecond),
      target: t.text,
      status: t.status,
    });
    add({
      workload: 'W3 throughput',
      mode: m,
      figure: 'runs/s',
      value: fmtNum(d.runsPerSecond),
      floor: `${fmtNum(floorSteps / 5)} runs/s`,
      ratio: fmtRatio(floorSteps / 5 / d.runsPerSecond),
    });
    add({
      workload: 'W3 throughput',
      mode: m,
      figure: 'commits per run / per step (decisions per commit)',
      value: `${fmtNum(d.commitsPerRun, 2)} / ${fmtNum(d.commitsPerRun / 5, 3)} (${fmtNum(d.decisionsPerCommit, 1)})`,
      floor: 'without group commit: 6 / 1.2',
    });
    if (m === 'postgres') addCommitRate(add, 'W3 throughput', m, d, 1, floors);
    add({
      workload: 'W3 throughput',
      mode: m,
      figure: 'peak RSS',
      value: fmtBytes(d.peakRss),
      target: 'stated',
    });
  }
  addCluster(add, results, floors);
  // W4 and W6: SQLite `full`, and PostgreSQL beside it, each against 100-row commits of its store.
  const perRowOf = (m) => floorOf(m).row100Ms;
  const w46modes = onPostgres ? ['full', 'postgres'] : ['full'];
  for (const [v, mode] of ['wait', 'human'].flatMap((x) => w46modes.map((m) => [x, m]))) {
    const r = results[mode === 'full' ? `W4-${v}` : `W4-${v}-${mode}`];
    if (r === undefined) continue;
    const label = `W4 parked (${v === 'wait' ? '60 s wait' : 'human'})`;
    if (!r.ok) {
      add({ workload: label, mode, figure: 'FAILED', value: r.error });
      continue;
    }
    const d = r.data;
    const floorMs = d.runs * perRowOf(mode);
    // The targets are the embedded store's; the PostgreSQL rows are there to compare.
    const judge = (t) => (mode === 'full' ? t : { text: '', status: '' });
    const ts = judge(scaledTarget(1000, d.runs, d.startMs));
    add({
      workload: label,
      mode,
      figure: `start ${fmtNum(d.runs)} runs (${d.commitsToStart} commits)`,
      value: fmtMs(d.startMs),
      floor: `${fmtNum(d.runs)} rows, 100 per commit = ${fmtMs(floorMs)}`,
      ratio: fmtRatio(d.startMs / floorMs),
      target: ts.text,
      status: ts.status,
    });
    const th = judge(target('≤ 1 KB', d.heapPerParkedRun, 1000, 'lower', fmtBytes));
    add({
      workload: label,
      mode,
      figure: 'JS heap per parked run (after GC)',
      value: fmtBytes(d.heapPerParkedRun),
      target: th.text,
      status: th.status,
    });
    const tr = judge(target('≤ 1 KB', d.rssPerParkedRun, 1000, 'lower', fmtBytes));
    add({
      workload: label,
      mode,
      figure: 'RSS per parked run (after GC)',
      value: fmtBytes(d.rssPerParkedRun),
      target: tr.text,
      status: tr.status,
    });
    add({
      workload: label,
      mode,
      figure:
        v === 'wait'
          ? `resume all: reopen 61 s later (open ${fmtMs(d.reopenMs)})`
          : `resume all: ${fmtNum(d.runs)} engine.input()`,
      value: fmtMs(d.resumeMs),
      floor: fmtMs(floorMs),
      ratio: fmtRatio(d.resumeMs / floorMs),
    });
    add({
      workload: label,
      mode,
      figure: `finish all (${d.commitsToFinish} commits)`,
      value: fmtMs(d.finishMs),
      floor: fmtMs(floorMs),
      ratio: fmtRatio(d.finishMs / floorMs),
    });
  }
  {
    const r = results.W5;
    if (r !== undefined && !r.ok)
      add({ workload: 'W5 definitions', mode: '—', figure: 'FAILED', value: r.error });
    if (r?.ok) {
      const d = r.data;
      for (const f of ['yaml', 'json']) {
        const x = d[f];
        const t = target(
          d.nodes === 10000 ? '≤ 1 s' : '≤ 1 s at 10,000 nodes',
          x.totalMs,
          d.nodes === 10000 ? 1000 : undefined,
          'lower',
          fmtMs,
        );
        add({
          workload: 'W5 definitions',
          mode: '—',
          figure: `${fmtNum(d.nodes)} nodes ${f.toUpperCase()} (${fmtBytes(d.bytes[f])}): validate ${fmtMs(x.validateMs)} + compile ${fmtMs(x.compileMs)}`,
          value: fmtMs(x.totalMs),
          floor: `JSON.parse ${fmtMs(d.floorJsonParseMs)}`,
          ratio: fmtRatio(x.totalMs / d.floorJsonParseMs),
          target: t.text,
          status: t.status,
        });
      }
      add({
        workload: 'W5 definitions',
        mode: '—',
        figure: 'RSS growth / peak RSS',
        value: `${fmtBytes(d.rssGrowth)} / ${fmtBytes(d.peakRss)}`,
        target: 'stated',
      });
    }
  }
  for (const mode of w46modes) {
    const r = results[mode === 'full' ? 'W6' : `W6-${mode}`];
    if (r !== undefined && !r.ok)
      add({ workload: 'W6 recovery', mode, figure: 'FAILED', value: r.error });
    if (r?.ok) {
      const d = r.data;
      const floorMs = d.runs * perRowOf(mode);
      const t =
        mode === 'full'
          ? scaledTarget(2000, d.runs, d.sinceProcessStartMs)
          : { text: '', status: '' };
      add({
        workload: 'W6 recovery',
        mode,
        figure: `process start → ${fmtNum(d.runs)} runs running again${mode === 'postgres' ? ' (started once the lease lapsed)' : ''}`,
        value: fmtMs(d.sinceProcessStartMs),
        floor: `${fmtNum(d.runs)} rows, 100 per commit = ${fmtMs(floorMs)}`,
        ratio: fmtRatio(d.sinceProcessStartMs / floorMs),
        target: t.text,
        status: t.status,
      });
      add({
        workload: 'W6 recovery',
        mode,
        figure: `of which Engine.open (${d.commits} commits; boot ${fmtMs(d.bootMs)}, imports ${fmtMs(d.importMs)})`,
        value: fmtMs(d.openMs),
        floor: fmtMs(floorMs),
        ratio: fmtRatio(d.openMs / floorMs),
      });
      add({
        workload: 'W6 recovery',
        mode,
        figure: 'peak RSS of the recovering process',
        value: fmtBytes(d.peakRss),
      });
    }
  }
  {
    const r = results.W7;
    if (r !== undefined && !r.ok)
      add({ workload: 'W7 storage', mode: 'full', figure: 'FAILED', value: r.error });
    if (r?.ok) {
      const d = r.data;
      for (const [key, figure, data] of [
        ['chain5', `per chain5 run (${fmtNum(d.chain5.runs)} runs)`, 'its run object and events'],
        ['input1MiB', 'for a run with a 1 MiB input it does not read', 'the input'],
        ['passedThrough1MiB', 'for a run passing a 1 MiB input to its output', 'input + output'],
      ]) {
        const x = d[key];
        const ratio = x.storedPerRun / x.dataPerRun;
        const t = target('≤ 1.5×', ratio, 1.5, 'lower', fmtRatio);
        add({
          workload: 'W7 storage',
          mode: 'full',
          figure: `bytes stored ${figure}`,
          value: fmtBytes(x.storedPerRun),
          floor: `${data}: ${fmtBytes(x.dataPerRun)} of JSON`,
          ratio: fmtRatio(ratio),
          target: t.text,
          status: t.status,
        });
      }
    }
  }
  {
    const r = results.W8;
    if (r !== undefined && !r.ok)
      add({ workload: 'W8 code', mode: 'memory', figure: 'FAILED', value: r.error });
    if (r?.ok) {
      const d = r.data;
      const label = 'W8 code chain5';
      add({
        workload: label,
        mode: 'memory',
        figure: `cold: first run of the process (pool of ${d.workers} starts)`,
        value: fmtMs(d.coldFirstRunMs),
        floor: `set chain5 ${fmtMs(d.base.median)}`,
      });
      add({
        workload: label,
        mode: 'memory',
        figure: 'cold overhead per code node: (first run − set chain5) / 5',
        value: fmtMs(d.coldOverheadPerNodeMs),
      });
      add({
        workload: label,
        mode: 'memory',
        figure: `warm median / p99 latency (${d.runs} runs)`,
        value: `${fmtMs(d.warm.median)} / ${fmtMs(d.warm.p99)}`,
        floor: `set chain5 ${fmtMs(d.base.median)} / ${fmtMs(d.base.p99)}`,
        ratio: fmtRatio(d.warm.median / d.base.median),
      });
      add({
        workload: label,
        mode: 'memory',
        figure: 'warm overhead per code node: (median − set chain5) / 5',
        value: fmtMs(d.warmOverheadPerNodeMs),
      });
      add({
        workload: label,
        mode: 'memory',
        figure: `throughput (${fmtNum(d.throughput.runs)} runs, ${d.throughput.concurrency} at a time)`,
        value: `${fmtNum(d.throughput.runsPerSecond, 1)} runs/s, ${fmtNum(d.throughput.codeNodesPerSecond)} code nodes/s`,
      });
      add({ workload: label, mode: 'memory', figure: 'peak RSS', value: fmtBytes(d.peakRss) });
    }
  }
  {
    const r = results.W9;
    if (r !== undefined && !r.ok)
      add({ workload: 'W9 agent', mode: '—', figure: 'FAILED', value: r.error });
    if (r?.ok) addAgent(add, r.data);
  }
  return rows;
}

/**
 * Commits per second of a PostgreSQL workload beside the server's commit rate with 1 client and
 * with 16, measured in the same process: `clients` is how many commit at once (a worker commits
 * one batch at a time), the floor the ratio is taken to.
 */
function addCommitRate(add, workload, mode, d, clients, floors) {
  const one = localRate(d, 'commitsPerSecond1') ?? floors.postgres?.commitsPerSecond1;
  const many = localRate(d, 'commitsPerSecond16') ?? floors.postgres?.commitsPerSecond16;
  const perSecond = d.commitsPerRun * d.runsPerSecond;
  const bound = clients === 1 ? one : many;
  add({
    workload,
    mode,
    figure: `commits/s (${clients === 1 ? 'one process commits one batch at a time' : `${clients} workers committing at once`})`,
    value: fmtNum(perSecond, perSecond < 100 ? 1 : 0),
    floor: `lone INSERTs: 1 client ${fmtNum(one)}/s, 16 clients ${fmtNum(many)}/s`,
    ratio: fmtRatio(bound / perSecond),
  });
}

/**
 * W3 carried by worker processes: steps/s from the first start to the last finish, the speed-up
 * over one worker, and the commits it took beside the server's commit rate.
 */
function addCluster(add, results, floors) {
  for (const poll of CLUSTER_POLLS) {
    const one = results[clusterKey(1, poll)];
    for (const n of CLUSTER_SIZES) {
      const r = results[clusterKey(n, poll)];
      if (r === undefined) continue;
      const workload = `W3 cluster, ${n} worker${n === 1 ? '' : 's'}`;
      const mode = poll === undefined ? 'postgres' : `pg ${poll}ms`;
      if (!r.ok) {
        add({ workload, mode, figure: 'FAILED', value: r.error });
        continue;
      }
      const d = r.data;
      const floorSteps = 1000 / (localFloor(d, 'row100Ms') ?? floors.postgres.row100Ms);
      const t =
        n === 1
          ? target('≥ 10,000 steps/s', d.stepsPerSecond, 10000, 'higher', (x) => fmtNum(x))
          : { text: '', status: '' };
      const speedUp =
        n > 1 && one?.ok
          ? `, ${fmtRatio(d.stepsPerSecond / one.data.stepsPerSecond)} of 1 worker`
          : '';
      add({
        workload,
        mode,
        figure: `steps/s (${fmtNum(d.runs)} runs queued, ${d.concurrency} at a time per worker, poll ${d.pollMs ?? 'default'}${speedUp})`,
        value: fmtNum(d.stepsPerSecond),
        floor: `${fmtNum(floorSteps)} steps/s (1 row per step, 100 per commit)`,
        ratio: fmtRatio(floorSteps / d.stepsPerSecond),
        target: t.text,
        status: t.status,
      });
      add({
        workload,
        mode,
        figure: `commits per step (decisions per commit; the driver's ${d.driverCommits} start commits apart)`,
        value: `${fmtNum(d.commitsPerStep, 3)} (${fmtNum(d.decisionsPerCommit, 1)})`,
        floor: 'without group commit: 1.2',
      });
      addCommitRate(add, workload, mode, d, n, floors);
      add({
        workload,
        mode,
        figure: "the workers' CPU time per step, and the cores it kept busy",
        value: `${fmtUs(d.workerCpuUsPerStep)} (${fmtNum(d.workerCores, 2)} of ${d.cpus})`,
      });
      add({
        workload,
        mode,
        figure:
          "a worker's wait for one commit (mean), and its commits' time over its own (2 in flight: up to 200%)",
        value: `${fmtMs(d.storeCommitMs)} (${fmtNum(d.storeCommitShare * 100)}%)`,
        floor: `100 rows per commit: ${fmtMs(localFloor(d, 'commit100Ms') ?? floors.postgres.commit100Ms)}`,
        ratio: fmtRatio(
          d.storeCommitMs / (localFloor(d, 'commit100Ms') ?? floors.postgres.commit100Ms),
        ),
      });
    }
  }
}

/** W9: the agent's runs beside the same conversation through the SDK, and what a step stores. */
function addAgent(add, d) {
  const label = 'W9 agent10';
  const sdk = `SDK ${fmtMs(d.floor.median)}`;
  add({
    workload: label,
    mode: '—',
    figure: `floor: the conversation through the openai SDK (${d.runs} runs, not streamed)`,
    value: `${fmtMs(d.floor.median)} / ${fmtMs(d.floor.p99)}`,
  });
  for (const m of ['full', 'memory']) {
    const a = d.agent[m];
    add({
      workload: label,
      mode: m,
      figure: `median / p99 latency (${d.runs} runs, ${d.commitsPerRun[m]} commits per run)`,
      value: `${fmtMs(a.median)} / ${fmtMs(a.p99)}`,
      floor: sdk,
      ratio: fmtRatio(d.ratio[m]),
    });
    add({
      workload: label,
      mode: m,
      figure: `engine overhead per step: (median − SDK) / ${d.steps}`,
      value: fmtMs(d.overheadPerStepMs[m]),
      // The least a durable step costs: its share of the run's commits at the disk's commit time.
      floor:
        m === 'full'
          ? `commits: ${d.commitsPerRun[m]} × ${fmtMs(d.commit1Ms)} / ${d.steps} = ${fmtMs((d.commitsPerRun[m] * d.commit1Ms) / d.steps)}`
          : '',
    });
  }
  const s = d.storage;
  add({
    workload: label,
    mode: 'full',
    figure: `node.step events: JSON per step (${s.stepEvents} steps)`,
    value: fmtBytes(s.stepEventBytesPerStep),
    floor: `${fmtBytes(s.stepEventBytes)} per run`,
  });
  add({
    workload: label,
    mode: 'full',
    figure: 'bytes stored per run (pages in use)',
    value: fmtBytes(s.storedPerRun),
    floor: `run object and events: ${fmtBytes(s.viewBytesPerRun)} of JSON`,
    ratio: fmtRatio(s.storedPerRun / s.viewBytesPerRun),
  });
}

/** What deleting big runs gives back (bytes stored per run are W7's). */
function addPrune(add, workload, mode, big) {
  add({
    workload,
    mode,
    figure: `runs prune of ${big.runs} runs with a 1 MiB input: bytes given back`,
    value: fmtBytes(big.freedBytes),
    floor: `file ${fmtBytes(big.fileAfterPrune)} after, ${fmtBytes(big.fileBefore)} before them`,
    ratio: fmtRatio(big.fileAfterPrune / big.fileBefore),
  });
}

function table(rows) {
  const cols = [
    ['workload', 'workload'],
    ['mode', 'mode'],
    ['figure', 'figure'],
    ['value', 'value'],
    ['floor', 'floor (what bounds it)'],
    ['ratio', 'ratio'],
    ['target', 'target'],
    ['status', ''],
  ];
  const width = cols.map(([k, h]) =>
    Math.max(h.length, ...rows.map((r) => String(r[k] ?? '').length)),
  );
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(width[i]))
      .join('  ')
      .trimEnd();
  const out = [line(cols.map(([, h]) => h)), line(width.map((w) => '-'.repeat(w)))];
  let last;
  for (const r of rows) {
    const key = `${r.workload} ${r.mode}`;
    if (last !== undefined && key !== last && !r.workload.startsWith(last.split(' ')[0]))
      out.push('');
    last = key;
    out.push(line(cols.map(([k]) => r[k] ?? '')));
  }
  return out.join('\n');
}

// ---- main ---------------------------------------------------------------------------------------

async function mainRun() {
  const started = performance.now();
  const info = machine();
  info.sqliteVersion = await sqliteVersion();
  const ownDir = typeof args.dir !== 'string';
  const dir = ownDir ? mkdtempSync(join(tmpdir(), 'weft-bench-')) : args.dir;
  mkdirSync(dir, { recursive: true });
  log(
    `weft bench${quick ? ' --quick' : ''}: ${jobs.length} processes, databases in ${ownDir ? 'a temporary folder' : dir}`,
  );
  const results = {};
  try {
    for (const job of jobs) {
      process.stderr.write(`  ${job.key.padEnd(10)} `);
      const r = await runChild(job, dir);
      results[job.key] = r;
      log(
        r.ok
          ? `${r.seconds.toFixed(1)} s`
          : `FAILED after ${r.seconds.toFixed(1)} s: ${r.error}${r.stderr ? `\n${r.stderr}` : ''}`,
      );
    }
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
  const floors = combineFloors(results['floors-1']?.data, results['floors-2']?.data);
  const failed = Object.entries(results)
    .filter(([, r]) => !r.ok)
    .map(([k]) => k);
  const rows = floors === undefined ? [] : rowsFor(results, floors);

  // The pragmas each mode used, as SQLite reported them to the engine (W1-W3) and to the floors.
  const pragmas = {};
  for (const m of MODE_NAMES) {
    const fromEngine = ['W1', 'W2', 'W3']
      .map((w) => results[`${w}-${m}`]?.data?.pragmas)
      .find(Boolean);
    pragmas[m] = { label: MODES[m].label, engine: fromEngine, floor: floors?.sqlite[m].pragmas };
  }
  const output = {
    date: new Date().toISOString(),
    quick,
    seconds: (performance.now() - started) / 1000,
    machine: { ...info, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    pragmas,
    floors: floors && {
      sqlite: floors.sqlite,
      postgres: floors.postgres,
      plain: floors.plain,
      runs: floors.runs,
    },
    results: Object.fromEntries(
      Object.entries(results).map(([k, r]) => [
        k,
        r.ok ? r.data : { error: r.error, stderr: r.stderr },
      ]),
    ),
    rows,
    failed,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(output, null, 2)}\n`);

  if (asJson) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    process.stdout.write(`${report(output, floors, rows)}\n`);
  }
  log(`written bench/results/latest.json (${output.seconds.toFixed(0)} s)`);
  if (failed.length > 0) {
    log(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

function report(output, floors, rows) {
  const m = output.machine;
  const lines = [];
  lines.push(`Weft benchmarks${output.quick ? ' (--quick: smaller counts)' : ''} — ${output.date}`);
  lines.push(
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; node ${m.node}; weft ${m.weft}${m.gitCommit ? ` @ ${m.gitCommit}` : ''}; SQLite ${m.sqliteVersion} (better-sqlite3 ${m.betterSqlite3})`,
  );
  lines.push(
    `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${m.loadAverageAtEnd.join(' ')} (a shared machine: see the two floor runs for noise)`,
  );
  lines.push('');
  lines.push(
    "modes (pragmas as SQLite reports them; the engine's store and the floor use the same ones)",
  );
  for (const [name, p] of Object.entries(output.pragmas)) {
    const fmt = (x) =>
      x === undefined ? '—' : `journal_mode=${x.journal_mode} synchronous=${x.synchronous}`;
    lines.push(
      `  ${name.padEnd(7)} ${p.label.padEnd(58)} engine: ${fmt(p.engine)}; floor: ${fmt(p.floor)}`,
    );
  }
  if (output.floors?.postgres !== undefined) {
    lines.push(
      `  postgres ${POSTGRES_MODE.label} (W1-W4, W6; server setting synchronous_commit=${output.floors.postgres.settings.synchronous_commit})`,
    );
  }
  lines.push('  W4-W7 use the default mode (full).');
  if (floors !== undefined) {
    lines.push('');
    lines.push('floors (median; run 1 / run 2 — the lower is used)');
    const both = (get, f = fmtMs) => floors.runs.map((r) => f(get(r))).join(' / ');
    for (const name of MODE_NAMES) {
      lines.push(
        `  sqlite ${name.padEnd(7)} commit of 1 row: ${both((r) => r.sqlite[name].commit1Ms).padEnd(22)} commit of 100 rows: ${both((r) => r.sqlite[name].commit100Ms).padEnd(22)} per row: ${both((r) => r.sqlite[name].row100Ms)}`,
      );
    }
    if (floors.postgres !== undefined) {
      const rate = (x) => `${fmtNum(x)}/s`;
      lines.push(
        `  postgres       commit of 1 row: ${both((r) => r.postgres.commit1Ms).padEnd(22)} commit of 100 rows: ${both((r) => r.postgres.commit100Ms).padEnd(22)} per row: ${both((r) => r.postgres.row100Ms)}`,
        `  postgres       one-row commits, 1 client: ${both((r) => r.postgres.commitsPerSecond1, rate)}; 16 clients at once: ${both((r) => r.postgres.commitsPerSecond16, rate)} (the higher is used)`,
      );
    }
    lines.push(
      `  plain async JS, chain5: ${both((r) => r.plain.chain5.perRunMs)} per run; dag20: ${both((r) => r.plain.dag20.perRunMs)} per run`,
    );
  }
  lines.push('');
  lines.push(table(rows));
  lines.push('');
  lines.push(
    'ratio = figure / floor (for rates: floor / figure): how many times the floor the engine takes. Targets are goals, never asserted.',
  );
  const cluster = Object.keys(output.results).filter((k) => k.startsWith('W3-cluster'));
  if (cluster.length > 0) {
    lines.push(
      `W3 cluster: a driver process (concurrency 0) queues the runs and N worker processes carry them, beside PostgreSQL, on ${m.cpus} cores: with more processes than cores the figures measure contention, not scale.`,
    );
  }
  if (output.failed.length > 0) lines.push(`FAILED: ${output.failed.join(', ')}`);
  return lines.join('\n');
}

mainRun().catch((e) => {
  log(e?.stack ?? String(e));
  process.exit(1);
});
