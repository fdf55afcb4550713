/**
 * A real scheduler (issue 16 item 3): `--shard auto` read from Slurm's and Kubernetes' variables
 * (unit tests, always run), and a one-node Slurm started and stopped by this file
 * (/work/shared/notes/slurm-one-node.md; `npm run setup` installs slurm-wlm and munge on Debian):
 * the README's sharded Figure 3a runs as an array job of 4 tasks, one task is cancelled mid-run
 * (scancel: SIGTERM) and requeued, the merge runs as a job that depends on the array, and the
 * merged rows equal an unsharded run's. Skipped, saying why, where Slurm cannot start (not root,
 * packages missing, daemons that do not come up).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShard } from '../ts/sweep/spec.js';
import { readResults } from '../ts/sweep/store.js';
import { BenignfitError } from '../ts/errors.js';

describe('--shard auto', () => {
  const slurm = (id: number, min: number, count: number, extra: Record<string, string> = {}) => ({
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_COUNT: String(count),
    ...extra,
  });

  it('a Slurm array task is shard (ID - MIN) / STEP + 1 of COUNT, for 1-based, 0-based and stepped arrays', () => {
    expect(parseShard('auto', slurm(1, 1, 16))).toEqual({ i: 1, n: 16 });
    expect(parseShard('auto', slurm(16, 1, 16, { SLURM_ARRAY_TASK_MAX: '16' }))).toEqual({ i: 16, n: 16 });
    expect(parseShard('auto', slurm(0, 0, 4))).toEqual({ i: 1, n: 4 });
    expect(parseShard('auto', slurm(3, 0, 4, { SLURM_ARRAY_TASK_MAX: '3' }))).toEqual({ i: 4, n: 4 });
    expect(parseShard(' auto ', slurm(7, 1, 4, { SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_MAX: '7' }))).toEqual({ i: 4, n: 4 });
    // Slurm first: a Kubernetes index next to it does not count.
    expect(parseShard('auto', { ...slurm(2, 1, 3), JOB_COMPLETION_INDEX: '0' })).toEqual({ i: 2, n: 3 });
    // auto/N checks the array's size.
    expect(parseShard('auto/16', slurm(5, 1, 16))).toEqual({ i: 5, n: 16 });
  });

  it('a Kubernetes Indexed Job is shard JOB_COMPLETION_INDEX + 1 of the N in auto/N', () => {
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '0' })).toEqual({ i: 1, n: 8 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ i: 8, n: 8 });
  });

  it('refuses what it cannot read, saying what to give instead', () => {
    const err = (v: string, env: Record<string, string>) => {
      try {
        parseShard(v, env);
      } catch (e) {
        expect(e).toBeInstanceOf(BenignfitError);
        expect((e as BenignfitError).code).toBe('E_INVALID');
        expect((e as BenignfitError).field).toBe('--shard');
        return (e as Error).message;
      }
      throw new Error(`parseShard(${v}) did not throw`);
    };
    expect(err('auto', {})).toMatch(/a Slurm array task .* or a Kubernetes Indexed Job .*outside a scheduler give --shard i\/N/);
    expect(err('auto/4', {})).toMatch(/got "auto\/4"/);
    expect(err('auto', { JOB_COMPLETION_INDEX: '2' })).toMatch(/auto\/N in a Kubernetes Indexed Job/);
    expect(err('auto/2', { JOB_COMPLETION_INDEX: '2' })).toMatch(/a completion index from 0 to 1/);
    expect(err('auto', { SLURM_ARRAY_TASK_ID: '3' })).toMatch(/SLURM_ARRAY_TASK_COUNT too/);
    expect(err('auto', slurm(3, 1, 3, { SLURM_ARRAY_TASK_MAX: '9' }))).toMatch(/an array without gaps/); // --array=1,3,9
    expect(err('auto', slurm(4, 1, 3))).toMatch(/an array without gaps/);
    expect(err('auto', slurm(2, 1, 3, { SLURM_ARRAY_TASK_STEP: '2' }))).toMatch(/an array without gaps/);
    expect(err('auto', { ...slurm(1, 1, 2), SLURM_ARRAY_TASK_ID: 'x' })).toMatch(/SLURM_ARRAY_TASK_ID to be an integer/);
    // One task resubmitted alone (sbatch --array=3) is an array of 1: auto/N says so.
    expect(err('auto/4', slurm(3, 3, 1))).toMatch(/a Slurm array of 4 tasks \(this one has 1.*scontrol requeue/);
    expect(err('auto/0', slurm(1, 1, 1))).toMatch(/N >= 1/);
    expect(err('3/2', {})).toMatch(/i\/N with 1 <= i <= N.*or auto/);
    expect(parseShard('3/4')).toEqual({ i: 3, n: 4 });
  });

  it('the CLI reads the environment and says which shard it took', () => {
    const out = mkdtempSync(join(tmpdir(), 'bf-shard-auto-'));
    try {
      const cfg = join(out, 'tiny.json');
      writeFileSync(
        cfg,
        JSON.stringify({
          data: { classes: 3, dim: 24, perClass: 4, testPerClass: 4 },
          train: { steps: 3, width: 4 },
          sweep: { x: { param: 'data.gamma', values: [1, 2, 3] } },
        }),
      );
      const env = { ...process.env, SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MAX: '1' };
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'sweep', '--config', cfg, '--shard', 'auto', '--workers', '1', '--out', join(out, 's')], {
        encoding: 'utf8',
        env,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/--shard auto: shard 1\/2 of this Slurm array task \(SLURM_ARRAY_TASK_ID=0\)/);
      expect(readResults(join(out, 's', 'results.jsonl')).rows.map((x) => x.index)).toEqual([0, 2]);
      expect(JSON.parse(readFileSync(join(out, 's', 'sweep.json'), 'utf8')).shard).toEqual({ i: 1, n: 2 });
      const k8s = spawnSync(process.execPath, ['dist/cli/main.js', 'sweep', '--config', cfg, '--shard', 'auto', '--out', join(out, 'k')], {
        encoding: 'utf8',
        env: { ...process.env, JOB_COMPLETION_INDEX: '1' },
      });
      expect(k8s.status).toBe(2);
      expect(k8s.stderr).toMatch(/--shard: got "auto \(JOB_COMPLETION_INDEX=1\)", expected auto\/N/);
      expect(existsSync(join(out, 'k'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- a one-node Slurm

const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'dist/cli/main.js');
const BINS = ['slurmctld', 'slurmd', 'sbatch', 'scancel', 'scontrol', 'sinfo', 'squeue'];
const which = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();
const MUNGED = ['/usr/sbin/munged', which('munged')].find((p) => p && existsSync(p)) ?? '';

/** Why Slurm cannot run here (null: it can try). */
function cannotRun(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (the one-node cluster runs slurmctld, slurmd and munged as root)';
  const missing = BINS.filter((b) => !which(b));
  if (!MUNGED) missing.push('munged');
  if (missing.length) return `${missing.join(', ')} not installed (npm run setup installs slurm-wlm and munge on Debian/Ubuntu)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  daemons: ChildProcess[];
  munged: number | null;
  jobs: string[];
}

/** Start munged (unless running), slurmctld and slurmd on a private config; null + a reason when they do not come up. */
async function startSlurm(): Promise<{ cluster: Cluster | null; why: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'bf-slurm-'));
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const cluster: Cluster = { dir, env: { ...process.env }, daemons: [], munged: null, jobs: [] };
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8', env: cluster.env });
  // munge: a key, its run folder, the daemon (kept when one is already running).
  if (!existsSync('/etc/munge/munge.key')) sh('mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f');
  sh('mkdir -p /run/munge && chown munge:munge /run/munge');
  const pidOf = () => {
    try {
      const pid = Number(readFileSync('/run/munge/munged.pid', 'utf8').trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };
  if (pidOf() === null) {
    const r = sh(`${MUNGED} --force`);
    cluster.munged = pidOf();
    if (cluster.munged === null) return { cluster: stopSlurm(cluster), why: `munged did not start: ${r.stderr.trim()}` };
  }
  const [ctld, slurmd] = [await freePort(), await freePort()];
  const host = hostname().split('.')[0];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=benignfit-test',
      `SlurmctldHost=${host}`,
      `SlurmctldPort=${ctld}`,
      `SlurmdPort=${slurmd}`,
      'AuthType=auth/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SwitchType=switch/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'KillWait=10',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      `NodeName=${host} CPUs=${cpus().length} RealMemory=4000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  cluster.env.SLURM_CONF = conf;
  for (const d of ['slurmctld', 'slurmd']) {
    cluster.daemons.push(spawn(d, ['-D', '-f', conf], { env: cluster.env, stdio: 'ignore' }));
  }
  for (let t = 0; t < 60; t++) {
    await sleep(500);
    const s = sh('sinfo -h -o %t');
    if (/^idle/m.test(s.stdout)) return { cluster, why: null };
    if (cluster.daemons.some((p) => p.exitCode !== null)) break;
  }
  const log = ['slurmctld', 'slurmd'].map((d) => {
    try {
      return `${d}: ${readFileSync(join(dir, 'log', `${d}.log`), 'utf8')
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ')}`;
    } catch {
      return `${d}: no log`;
    }
  });
  return { cluster: stopSlurm(cluster), why: `the cluster did not come up within 30 s (${log.join('; ')})` };
}

/** Cancel the jobs this file submitted, stop the daemons it started (by PID), remove the folder. */
function stopSlurm(c: Cluster | null): null {
  if (!c) return null;
  if (c.jobs.length) spawnSync('scancel', c.jobs, { env: c.env });
  for (const p of c.daemons) if (p.exitCode === null) p.kill('SIGTERM');
  if (c.munged !== null) {
    try {
      process.kill(c.munged, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  // The daemons may still be writing to the spool while they exit: retry, and never fail the
  // suite over the clean-up of a temporary folder.
  try {
    rmSync(c.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  } catch (e) {
    console.warn(`test/slurm.test.ts: could not remove ${c.dir}: ${(e as Error).message}`);
  }
  return null;
}

const why = cannotRun();
if (why) console.warn(`test/slurm.test.ts: the one-node Slurm test is skipped: ${why}`);

describe.skipIf(!!why)('a one-node Slurm cluster', () => {
  let cluster: Cluster | null = null;
  let notStarted: string | null = null;
  const work = mkdtempSync(join(tmpdir(), 'bf-slurm-work-'));

  beforeAll(async () => {
    const r = await startSlurm();
    cluster = r.cluster;
    notStarted = r.why;
  });
  afterAll(async () => {
    stopSlurm(cluster);
    await sleep(500);
    rmSync(work, { recursive: true, force: true });
  });

  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: cluster!.env, cwd: work });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** JobState of one job or array task (the first record of `scontrol show job`). */
  const state = (id: string) => /JobState=(\w+)/.exec(run('scontrol', ['show', 'job', '-o', id]))?.[1] ?? 'UNKNOWN';
  /** A folder's rows in cell order (a run with 2 workers stores them as they finish). */
  const rowsOf = (dir: string) =>
    existsSync(join(dir, 'results.jsonl')) ? readResults(join(dir, 'results.jsonl')).rows.sort((a, b) => a.index - b.index) : [];
  const strip = (rows: { seconds: number }[]) => rows.map(({ seconds: _seconds, ...r }) => r);

  it("runs the README's sharded Figure 3a as an array; a task cancelled mid-run is requeued and resumes; the dependent merge equals an unsharded run", async (ctx) => {
    if (!cluster) {
      console.warn(`test/slurm.test.ts: the one-node Slurm test is skipped: ${notStarted}`);
      ctx.skip();
      return;
    }
    // The unsharded reference, outside Slurm.
    const ref = spawnSync(process.execPath, [CLI, 'reproduce', 'fig3a', '--quick', '--workers', '2', '--out', join(work, 'ref')], { encoding: 'utf8' });
    expect(ref.status, ref.stderr).toBe(0);
    const refRows = rowsOf(join(work, 'ref'));
    expect(refRows).toHaveLength(64);

    // The README's array job, with --shard auto (SLURM_ARRAY_TASK_ID / _COUNT / _MIN).
    const script = join(work, 'fig3a.sbatch');
    writeFileSync(
      script,
      `#!/bin/bash\n#SBATCH --array=1-4 --cpus-per-task=1\nexec "${process.execPath}" "${CLI}" reproduce fig3a --quick --shard auto --workers 1 --out "${work}/runs/shard-$SLURM_ARRAY_TASK_ID"\n`,
    );
    const array = run('sbatch', ['--parsable', '--open-mode=append', '-o', `${work}/task-%a.log`, script]).split(';')[0];
    cluster.jobs.push(array);

    // Cancel the first task seen mid-run (some rows saved, not all 16).
    let victim: number | null = null;
    let before = 0;
    for (let t = 0; t < 600 && victim === null; t++) {
      await sleep(50);
      for (let k = 1; k <= 4; k++) {
        const n = rowsOf(join(work, 'runs', `shard-${k}`)).length;
        if (n >= 1 && n <= 10) {
          victim = k;
          run('scancel', [`${array}_${k}`]);
          break;
        }
      }
    }
    expect(victim, 'no task was seen mid-run').not.toBeNull();
    const shardDir = join(work, 'runs', `shard-${victim}`);
    for (let t = 0; t < 300 && state(`${array}_${victim}`) !== 'CANCELLED'; t++) await sleep(100);
    expect(state(`${array}_${victim}`)).toBe('CANCELLED');
    // Its node process saved what finished and stopped (exit 143) before the requeue.
    for (let t = 0; t < 200 && !/stopped by SIGTERM/.test(readFileSync(join(work, `task-${victim}.log`), 'utf8')); t++) await sleep(100);
    before = rowsOf(shardDir).length;
    expect(before).toBeGreaterThan(0);
    expect(before, 'the cancel came after the task had finished').toBeLessThan(16);
    expect(readFileSync(join(work, `task-${victim}.log`), 'utf8')).toMatch(/fig3a: stopped by SIGTERM; \d+ of 16 cells are saved/);

    // Resubmit it: requeued, the task keeps its array variables (so --shard auto finds its shard);
    // a requeued job waits about 2 minutes before it may start again, so start it now.
    run('scontrol', ['requeue', `${array}_${victim}`]);
    run('scontrol', ['update', `jobid=${array}_${victim}`, 'StartTime=now']);

    // The merge, as a job that runs once the whole array (the requeued task too) has ended.
    const merge = run('sbatch', [
      '--parsable',
      `--dependency=afterany:${array}`,
      '-o',
      `${work}/merge.log`,
      '--wrap',
      `"${process.execPath}" "${CLI}" merge ${[1, 2, 3, 4].map((k) => `"${work}/runs/shard-${k}"`).join(' ')} --out "${work}/all"`,
    ]);
    cluster.jobs.push(merge);
    for (let t = 0; t < 1200 && !['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL'].includes(state(merge)); t++) await sleep(100);
    const mergeLog = readFileSync(join(work, 'merge.log'), 'utf8');
    expect(state(merge), mergeLog).toBe('COMPLETED');
    for (let k = 1; k <= 4; k++) expect(state(`${array}_${k}`), `task ${k}`).toBe('COMPLETED');

    // The requeued task resumed where it stopped: its rows are each stored once.
    const log = readFileSync(join(work, `task-${victim}.log`), 'utf8');
    expect(log).toMatch(new RegExp(`resuming in .*shard-${victim}: ${before} of 16 cells already done`));
    expect(log).toMatch(new RegExp(`--shard auto: shard ${victim}/4 of this Slurm array task`));
    const lines = readFileSync(join(shardDir, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(16);
    expect(mergeLog).toMatch(/merge: 64 of 64 cells from 4 folders/);

    // The merged rows are the unsharded run's (all but the wall times).
    const merged = rowsOf(join(work, 'all'));
    expect(merged.map((r) => r.index)).toEqual(refRows.map((r) => r.index));
    expect(strip(merged)).toEqual(strip(refRows));
  }, 240_000);
});
