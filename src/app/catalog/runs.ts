// Catalog rows for training runs (one per train of a model on a domain or a mix) and their loss history
// (run_metrics: one row per logged step and split; a resumed run rewrites the steps it repeats).
import { GroveError } from '../../shared/api/errors';
import type { MetricPoint, RunEstimate, RunView } from '../../shared/api/schemas-forest';
import type { Catalog } from './catalog';
import { databaseOf } from './database';
import type { JobStatus } from './jobs';

export type RunStatus = RunView['status'];

export interface NewRun {
  modelId: number;
  domainId: number | null;
  config: unknown;
  totalSteps: number;
  device: string;
  runDir: string;
  initSha256: string | null;
  jobId?: number | null;
  /** The estimate shown before the run, kept to set beside what it took. */
  estimate?: RunEstimate;
}

export function insertRun(catalog: Catalog, r: NewRun): number {
  return Number(
    databaseOf(catalog)
      .prepare(
        `INSERT INTO runs (model_id, domain_id, config_json, status, total_steps, device, run_dir, init_sha256, job_id, estimate_json) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.modelId,
        r.domainId,
        JSON.stringify(r.config),
        r.totalSteps,
        r.device,
        r.runDir,
        r.initSha256,
        r.jobId ?? null,
        r.estimate ? JSON.stringify(r.estimate) : null,
      ).lastInsertRowid,
  );
}

const touch = "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** The run's folder (runs/<id>), known once the row has its id. */
export function setRunDir(catalog: Catalog, runId: number, runDir: string): void {
  databaseOf(catalog).prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, runId);
}

export function setRunJob(catalog: Catalog, runId: number, jobId: number): void {
  databaseOf(catalog).prepare(`UPDATE runs SET job_id = ?, ${touch} WHERE id = ?`).run(jobId, runId);
}

/** The weights the run starts from (a branch's init), known once the branch is stored. */
export function setRunInit(catalog: Catalog, runId: number, sha256: string): void {
  databaseOf(catalog).prepare(`UPDATE runs SET init_sha256 = ?, ${touch} WHERE id = ?`).run(sha256, runId);
}

export function setRunStatus(catalog: Catalog, runId: number, status: RunStatus, error: string | null = null): void {
  databaseOf(catalog).prepare(`UPDATE runs SET status = ?, error = ?, ${touch} WHERE id = ?`).run(status, error, runId);
}

/** The planned steps can change once: a minutes budget becomes steps after the first steps are timed. */
export function setRunPlan(catalog: Catalog, runId: number, totalSteps: number, device: string): void {
  databaseOf(catalog).prepare(`UPDATE runs SET total_steps = ?, device = ?, ${touch} WHERE id = ?`).run(totalSteps, device, runId);
}

/** What the finished run took: training seconds and its process's peak memory. */
export function setRunActual(catalog: Catalog, runId: number, seconds: number, peakMemoryBytes: number | null): void {
  databaseOf(catalog)
    .prepare(`UPDATE runs SET elapsed_seconds = ?, peak_memory_bytes = ?, ${touch} WHERE id = ?`)
    .run(seconds, peakMemoryBytes, runId);
}

export interface StepReport {
  step: number;
  tokens: number;
  loss: number;
  lr?: number;
  tokensPerSecond?: number;
  validLoss?: number;
}

/** One training step's report: the run's position, and its train (and valid) loss. */
export function recordRunStep(catalog: Catalog, runId: number, p: StepReport): void {
  const db = databaseOf(catalog);
  const metric = db.prepare(
    'INSERT OR REPLACE INTO run_metrics (run_id, step, split, loss, lr, tokens_per_second) VALUES (?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    db.prepare(`UPDATE runs SET status = 'running', step = ?, tokens = ?, error = NULL, ${touch} WHERE id = ?`).run(
      p.step,
      p.tokens,
      runId,
    );
    // The loop reports step s after running the step with index s - 1: the curve is indexed by that.
    metric.run(runId, p.step - 1, 'train', p.loss, p.lr ?? null, p.tokensPerSecond ?? null);
    if (p.validLoss !== undefined) metric.run(runId, p.step, 'valid', p.validLoss, null, null);
  })();
}

interface RunRow {
  id: number;
  modelId: number;
  modelName: string;
  domain: string | null;
  status: RunStatus;
  step: number;
  totalSteps: number;
  tokens: number;
  device: string;
  jobId: number | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  runDir: string | null;
  configJson: string;
  estimateJson: string | null;
  elapsedSeconds: number | null;
  peakMemoryBytes: number | null;
}

const RUN_COLUMNS = `r.id, r.model_id AS modelId, m.name AS modelName, d.name AS domain, r.status, r.step, r.total_steps AS totalSteps, r.tokens,
  r.device, r.job_id AS jobId, r.error, r.created_at AS createdAt, r.updated_at AS updatedAt, r.run_dir AS runDir, r.config_json AS configJson,
  r.estimate_json AS estimateJson, r.elapsed_seconds AS elapsedSeconds, r.peak_memory_bytes AS peakMemoryBytes,
  (SELECT loss FROM run_metrics x WHERE x.run_id = r.id AND x.split = 'train' ORDER BY step DESC LIMIT 1) AS lastLoss,
  (SELECT loss FROM run_metrics x WHERE x.run_id = r.id AND x.split = 'valid' ORDER BY step DESC LIMIT 1) AS lastValidLoss`;
const RUN_FROM = 'FROM runs r JOIN models m ON m.id = r.model_id LEFT JOIN domains d ON d.id = r.domain_id';

export type StoredRun = RunView & { runDir: string | null; config: unknown };

function toRun(row: RunRow & { lastLoss: number | null; lastValidLoss: number | null }): StoredRun {
  const { configJson, estimateJson, elapsedSeconds, peakMemoryBytes, ...rest } = row;
  return {
    ...rest,
    config: JSON.parse(configJson) as unknown,
    estimate: estimateJson ? (JSON.parse(estimateJson) as RunEstimate) : null,
    actual: elapsedSeconds === null ? null : { seconds: elapsedSeconds, peakMemoryBytes },
  };
}

/** Every run of the forest, newest first. */
export function listRuns(catalog: Catalog, forestId: number): StoredRun[] {
  return (
    databaseOf(catalog).prepare(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE m.forest_id = ? ORDER BY r.id DESC`).all(forestId) as Parameters<
      typeof toRun
    >[0][]
  ).map(toRun);
}

export function getRun(catalog: Catalog, runId: number): StoredRun {
  const row = databaseOf(catalog).prepare(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE r.id = ?`).get(runId) as
    Parameters<typeof toRun>[0] | undefined;
  if (!row) throw new GroveError('not_found', `No training run ${runId} in this forest; \`grove show\` lists the runs.`, { runId });
  return toRun(row);
}

/** The newest run of a model, or null when it was never trained here. */
export function latestRunOf(catalog: Catalog, modelId: number): StoredRun | null {
  const row = databaseOf(catalog)
    .prepare(`SELECT ${RUN_COLUMNS} ${RUN_FROM} WHERE r.model_id = ? ORDER BY r.id DESC LIMIT 1`)
    .get(modelId) as Parameters<typeof toRun>[0] | undefined;
  return row ? toRun(row) : null;
}

/** The loss curve of a run, train and valid, by step. */
export function runMetricPoints(catalog: Catalog, runId: number): MetricPoint[] {
  getRun(catalog, runId);
  const rows = databaseOf(catalog)
    .prepare('SELECT step, split, loss, tokens_per_second AS tps FROM run_metrics WHERE run_id = ? ORDER BY step, split')
    .all(runId) as { step: number; split: 'train' | 'valid'; loss: number; tps: number | null }[];
  return rows.map((r) => ({ step: r.step, split: r.split, loss: r.loss, ...(r.tps !== null ? { tokensPerSecond: r.tps } : {}) }));
}

/** The newest job in one of `statuses` that trains `modelId` (through one of its runs), or null. */
export function unfinishedJobOfModel(catalog: Catalog, modelId: number, statuses: readonly JobStatus[]): number | null {
  const row = databaseOf(catalog)
    .prepare(
      `SELECT j.id FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.model_id = ? AND j.status IN (${statuses.map(() => '?').join(', ')}) ORDER BY j.id DESC`,
    )
    .get(modelId, ...statuses) as { id: number } | undefined;
  return row?.id ?? null;
}

/** The training tokens of these models' finished runs: what they received in all (a dense baseline is given as many). */
export function finishedRunTokens(catalog: Catalog, modelIds: readonly number[]): number {
  if (modelIds.length === 0) return 0;
  const row = databaseOf(catalog)
    .prepare(
      `SELECT COALESCE(SUM(tokens), 0) AS tokens FROM runs WHERE status = 'done' AND model_id IN (${modelIds.map(() => '?').join(', ')})`,
    )
    .get(...modelIds) as { tokens: number };
  return row.tokens;
}

/** The weights every run that may still go on starts from (gc keeps them). */
export function pendingRunInits(catalog: Catalog): string[] {
  return (
    databaseOf(catalog)
      .prepare("SELECT init_sha256 AS s FROM runs WHERE status NOT IN ('done', 'cancelled') AND init_sha256 IS NOT NULL")
      .all() as { s: string }[]
  ).map((r) => r.s);
}

/** The folders of runs that are over (done or cancelled): nothing resumes from their checkpoints. */
export function finishedRunDirs(catalog: Catalog): string[] {
  return (
    databaseOf(catalog).prepare("SELECT run_dir AS d FROM runs WHERE status IN ('done', 'cancelled') AND run_dir IS NOT NULL").all() as {
      d: string;
    }[]
  ).map((r) => r.d);
}

/** A run's speed as its loop last reported it (training tokens per second since it started or resumed), or null. */
export function lastTokensPerSecond(catalog: Catalog, runId: number): number | null {
  const row = databaseOf(catalog)
    .prepare(
      "SELECT tokens_per_second AS tps FROM run_metrics WHERE run_id = ? AND split = 'train' AND tokens_per_second IS NOT NULL ORDER BY step DESC LIMIT 1",
    )
    .get(runId) as { tps: number } | undefined;
  return row?.tps ?? null;
}
