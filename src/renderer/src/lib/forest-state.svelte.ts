// What the app knows about the engine and its forest, kept current from the engine's events: the summary,
// every job's latest view, the training runs with their live progress, and the evaluations. Views read it;
// a read the engine cannot answer yet keeps its error beside the data instead of breaking the screen.
import { untrack } from 'svelte';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { EngineInfo, ForestSummary, GroveApi, GroveEvent, JobView, TrainProgress } from '../../../shared/api';
import type { EvaluationView, PriorView, RunView } from '../../../shared/api/schemas-forest';
import type { Verdict } from '../../../shared/api/schemas-verdict';
import { expertColour } from './palette';

/** A read that may fail on its own (an engine without that call, a broken catalog row). */
export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

export const ACTIVE_STATUSES: readonly JobView['status'][] = ['queued', 'running', 'paused'];
const LIVE_POINTS_KEPT = 20_000;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function loadable<T>(read: () => Promise<T>): Promise<Loadable<T>> {
  try {
    return { status: 'ready', value: await read() };
  } catch (err) {
    return { status: 'error', message: messageOf(err) };
  }
}

export class ForestState {
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  info = $state<EngineInfo | null>(null);
  summary = $state<ForestSummary | null>(null);
  runs = $state<Loadable<RunView[]>>({ status: 'loading' });
  evaluations = $state<Loadable<EvaluationView[]>>({ status: 'loading' });
  /** The forest's last verdict against one dense model (null before the first comparison). */
  verdict = $state<Loadable<Verdict | null>>({ status: 'loading' });
  /** Every job's latest view by id: events can overtake the call that started a job. */
  readonly jobs = new SvelteMap<number, JobView>();
  /** Training progress received since the app started, per run (history before that: runMetrics). */
  readonly live = new SvelteMap<number, TrainProgress[]>();
  /** Jobs that failed while the app looked on (or a training that had crashed before it opened), until dismissed. */
  readonly failures = new SvelteMap<number, true>();

  /**
   * Jobs the engine announced while a screen's call that starts one was in flight: its event can overtake
   * the call's answer, and the screen shows the job itself once the answer is in. The tray leaves them out
   * until those calls have answered, so it does not flash (and move every screen down) for that moment.
   */
  readonly claimable = new SvelteSet<number>();
  /** Calls from screens in flight (act, starting): while any is, new jobs are claimable. */
  private callsInFlight = 0;

  constructor(readonly api: GroveApi) {}

  /** The forest has a model or a domain: past the first run. */
  get hasForest(): boolean {
    return !!this.summary && (this.summary.models.length > 0 || this.summary.domains.length > 0);
  }

  get activeJobs(): JobView[] {
    return [...this.jobs.values()].filter((j) => ACTIVE_STATUSES.includes(j.status));
  }

  /** What the background-work tray lists: jobs under way, then failures not yet dismissed. */
  get trayJobs(): JobView[] {
    const failed = [...this.failures.keys()].map((id) => this.jobs.get(id)).filter((j): j is JobView => j?.status === 'failed');
    return [...this.activeJobs, ...failed].filter((j) => !this.claimable.has(j.id));
  }

  /** An expert's colour, the same on every screen: by its place among the forest's models. */
  colourOf = (name: string): string => expertColour(Math.max(0, this.summary?.models.findIndex((m) => m.name === name) ?? 0));

  job(id: number | null | undefined): JobView | null {
    return id == null ? null : (this.jobs.get(id) ?? null);
  }

  /** Records a job a call just started, unless an event already brought a newer view of it. */
  track(job: JobView): JobView {
    const known = this.jobs.get(job.id);
    if (!known) this.jobs.set(job.id, job);
    return known ?? job;
  }

  async load(): Promise<void> {
    this.status = this.summary ? this.status : 'loading';
    try {
      const [info, summary, jobs] = await Promise.all([this.api.info({}), this.api.forestSummary({}), this.api.jobs({})]);
      this.info = info;
      this.summary = summary;
      for (const j of jobs) {
        this.jobs.set(j.id, j);
        // A crashed training is worth a word after a restart: it resumes from its checkpoint.
        if (j.status === 'failed' && j.kind === 'train' && j.id === Math.max(...jobs.filter((o) => o.kind === 'train').map((o) => o.id)))
          this.failures.set(j.id, true);
      }
      this.status = 'ready';
      this.error = null;
    } catch (err) {
      this.status = 'error';
      this.error = messageOf(err);
      return;
    }
    await this.refreshReads();
  }

  async refreshSummary(): Promise<void> {
    try {
      this.summary = await this.api.forestSummary({});
    } catch (err) {
      this.error = messageOf(err);
    }
    await this.refreshReads();
  }

  /** Runs, evaluations and the last verdict: separate reads, each with its own error. */
  async refreshReads(): Promise<void> {
    if (!this.hasForest) return;
    const [runs, evaluations, verdict] = await Promise.all([
      loadable(() => this.api.runs({})),
      loadable(() => this.api.evaluations({})),
      loadable(() => this.api.verdict({})),
    ]);
    this.runs = runs;
    this.evaluations = evaluations;
    this.verdict = verdict;
  }

  /** The last job control or action that failed, said in the app's banner until dismissed. */
  actionError = $state<string | null>(null);
  /** How many mounted forms say actionError beside themselves: the banner then stays away. */
  inlineErrorViews = $state(0);

  /** A form that shows actionError itself calls this from an $effect and returns its cleanup. */
  showsActionErrorInline(): () => void {
    untrack(() => (this.inlineErrorViews += 1));
    return () => untrack(() => (this.inlineErrorViews -= 1));
  }

  /**
   * A call from a screen that may start a job (see claimable): jobs announced while it runs stay out of the
   * tray until a task after it answers, time for the screen to show the one it started.
   */
  async starting<T>(call: () => Promise<T>): Promise<T> {
    this.callsInFlight += 1;
    try {
      return await call();
    } finally {
      setTimeout(() => {
        this.callsInFlight -= 1;
        if (this.callsInFlight === 0) this.claimable.clear();
      }, 0);
    }
  }

  /** Runs an action on the engine; a failure goes to the banner, a job it returns to the job map. */
  async act<T>(action: () => Promise<T>): Promise<T | null> {
    try {
      const result = await this.starting(action);
      if (result && typeof result === 'object' && 'kind' in result && 'status' in result) this.track(result as unknown as JobView);
      this.actionError = null;
      return result;
    } catch (err) {
      this.actionError = messageOf(err);
      return null;
    }
  }

  pauseJob = (id: number) => this.act(() => this.api.pauseJob({ id }));
  resumeJob = (id: number) => this.act(() => this.api.resumeJob({ id }));
  cancelJob = (id: number) => this.act(() => this.api.cancelJob({ id }));

  async priors(): Promise<PriorView[]> {
    return this.api.priors({});
  }

  handle(event: GroveEvent): void {
    if (event.type === 'forest.changed') void this.refreshSummary();
    else if (event.type === 'job.changed') {
      const before = this.jobs.get(event.job.id)?.status;
      if (before === undefined && this.callsInFlight > 0) this.claimable.add(event.job.id);
      this.jobs.set(event.job.id, event.job);
      if (event.job.status === 'failed' && before !== 'failed') this.failures.set(event.job.id, true);
      else if (event.job.status !== 'failed') this.failures.delete(event.job.id);
    } else if (event.type === 'train.progress') {
      const points = this.live.get(event.runId) ?? [];
      const next = [...points, event.progress];
      this.live.set(event.runId, next.length > LIVE_POINTS_KEPT ? next.slice(-LIVE_POINTS_KEPT) : next);
    }
  }

  /**
   * Loads, then follows the engine's events; returns the unsubscribe. Untracked: it is called from an
   * $effect, and load() reads the state it then writes, which would re-run that effect (a new socket and a
   * new load) after every load, without end.
   */
  start(): () => void {
    return untrack(() => {
      const off = this.api.onEvent((e) => this.handle(e));
      void this.load();
      return off;
    });
  }
}

/** Whether a job has ended (done, failed or cancelled). */
export function isFinished(job: JobView | null): boolean {
  return !!job && (job.status === 'done' || job.status === 'failed' || job.status === 'cancelled');
}
