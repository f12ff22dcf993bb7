import { compileDag, type Plan } from "../../../src/dag/plan";
import { validateDagSpec } from "../../../src/dag/validate";
import {
  activate,
  createRun,
  DEFAULT_MACHINE_CONFIG,
  transition,
  type ActiveRun,
  type AlertRequest,
  type Command,
  type CommandOf,
  type Effects,
  type MachineConfig,
  type MachineContext,
  type Offer,
  type RunEvent,
} from "../../../src/run/machine";
import { dueAt } from "../../../src/run/machine/task-instance";
import type { AttemptRecord, ClaimedRef, RunState, RunStatus, TaskError, TaskInstance, TaskStatus, WorkRef } from "../../../src/run/types";

export const SQL = { type: "sql", sql: "select 1" } as const;
export const EMPTY = { type: "empty" } as const;
export const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

/** Compiles a test DAG; `dag` adds DAG-level fields (`onFailure`, `params` declarations, …). */
export function planOf(tasks: Record<string, unknown>, dag: Record<string, unknown> = {}): Plan {
  const result = validateDagSpec({ ...dag, tasks });
  if (!result.ok) throw new Error(`invalid test spec: ${JSON.stringify(result.issues)}`);
  return compileDag(result.spec);
}

export interface ReportOptions {
  ok?: boolean;
  attempt?: number;
  /** The claim token reported (default: the one the task's current attempt was granted). */
  claim?: string;
  capacity?: number;
  /** The end of the reporting worker's budget (epoch ms): handed-back tasks must time out before it. */
  until?: number;
  output?: unknown;
  error?: TaskError;
  startedAt?: number;
  endedAt?: number;
  /** `dag` tasks: the child run the attempt started, and whether the attempt waits for it. */
  childRunId?: string;
  waiting?: boolean;
}

/** Extra settings of a simulated run (all optional, so `new Sim(tasks)` keeps working). */
export interface SimOptions {
  /** The run's (already validated) params, as expressions read them. */
  params?: Record<string, unknown>;
  /** DAG-level spec fields besides `tasks` (e.g. `onFailure`). */
  dag?: Record<string, unknown>;
  /** What the trigger offers to run itself (default: nothing, every root task is queued). */
  offer?: Offer;
  /** Created `queued` (its DAG at maxActiveRuns): nothing runs until `RunReleased`. */
  queued?: boolean;
}

/**
 * A transition's effects as tests read them: the row changes, the commands
 * by kind (what each command carries), and the reply.
 */
export interface SimEffects {
  raw: Effects;
  changedTasks: Set<string>;
  runChanged: boolean;
  attempts: AttemptRecord[];
  commands: Command[];
  /** Attempts of the transition's `DispatchAttempts` commands. */
  dispatch: WorkRef[];
  /** Alerts of its `DeliverAlert` commands. */
  alerts: AlertRequest[];
  /** Child runs of its `CancelChildRun` commands. */
  cancelChildren: string[];
  /** Its `UpdatePoolLeases` commands (what it asks of each pool). */
  pools: Array<CommandOf<"UpdatePoolLeases">>;
  granted: ClaimedRef[];
  refused: Effects["reply"]["refused"];
  ignored: Effects["reply"]["ignored"];
  handBack: ClaimedRef[];
  finished: RunStatus | undefined;
  /** The earliest retry or lease deadline among the instances this transition changed. */
  wakeAt: number | undefined;
}

export function viewEffects(fx: Effects, state: RunState): SimEffects {
  let wakeAt: number | undefined;
  for (const key of fx.changes.tasks) {
    const t = state.tasks.get(key);
    const at = t && dueAt(t);
    if (at !== undefined && (wakeAt === undefined || at < wakeAt)) wakeAt = at;
  }
  const dispatch: WorkRef[] = [];
  const alerts: AlertRequest[] = [];
  const cancelChildren: string[] = [];
  const pools: Array<CommandOf<"UpdatePoolLeases">> = [];
  for (const c of fx.commands) {
    if (c.type === "UpdatePoolLeases") pools.push(c);
    if (c.type === "DispatchAttempts") dispatch.push(...c.refs);
    else if (c.type === "DeliverAlert") alerts.push(c.alert);
    else if (c.type === "CancelChildRun") cancelChildren.push(c.childRunId);
  }
  return {
    raw: fx,
    changedTasks: fx.changes.tasks,
    runChanged: fx.changes.run,
    attempts: fx.changes.attempts,
    commands: fx.commands,
    dispatch,
    alerts,
    cancelChildren,
    pools,
    ...fx.reply,
    finished: fx.finished,
    wakeAt,
  };
}

/**
 * A run driven by hand: a fake clock (`ctx.now`, advanced explicitly), a fixed
 * random number, and a worker that claims dispatched refs and reports outcomes.
 */
export class Sim {
  readonly ctx: MachineContext;
  readonly plan: Plan;
  readonly state: RunState;
  /** The run as the machine works on it (state, plan, index). */
  readonly run: ActiveRun;
  /** Effects of the last event (or of createRun). */
  fx: SimEffects;
  /** Queue messages sent and not yet claimed. */
  outbox: WorkRef[] = [];

  constructor(tasks: Record<string, unknown>, config: Partial<MachineConfig> = {}, options: SimOptions = {}) {
    this.ctx = { now: T0, random: () => 0.5, config: { ...DEFAULT_MACHINE_CONFIG, ...config } };
    this.plan = planOf(tasks, options.dag);
    const params = options.params ?? {};
    const { run, effects } = createRun(
      { runId: "run-1", dagId: "dag", dagVersion: 1, createdAt: T0, params, trigger: { type: "api" } },
      this.plan,
      this.ctx,
      options.offer,
      { queued: options.queued === true },
    );
    this.run = run;
    this.state = run.state;
    this.fx = viewEffects(effects, run.state);
    this.outbox.push(...this.fx.dispatch);
  }

  advance(ms: number): this {
    this.ctx.now += ms;
    return this;
  }

  send(event: RunEvent): SimEffects {
    this.fx = viewEffects(transition(this.run, event, this.ctx), this.state);
    this.outbox.push(...this.fx.dispatch);
    return this.fx;
  }

  /** The same run as a coordinator would reload it from its rows: copies of the state, a new index. */
  reloaded(): ActiveRun {
    const state: RunState = {
      run: structuredClone(this.state.run),
      tasks: new Map([...this.state.tasks].map(([k, t]) => [k, structuredClone(t)])),
    };
    return activate(state, this.plan);
  }

  task(id: string): TaskInstance {
    const t = this.state.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    return t;
  }

  status(id: string): TaskStatus {
    return this.task(id).status;
  }

  statuses(): Record<string, TaskStatus> {
    return Object.fromEntries([...this.state.tasks.values()].map((t) => [t.taskId, t.status]));
  }

  /** Instances of a mapped task (`id[0]`, `id[1]`, …), in index order. */
  instances(id: string): TaskInstance[] {
    return [...this.state.tasks.values()]
      .filter((t) => t.taskId === id && t.mapIndex !== null)
      .sort((a, b) => (a.mapIndex ?? 0) - (b.mapIndex ?? 0));
  }

  /** Instances of a task currently queued or running (occupying a worker or a queue slot). */
  active(id: string): TaskInstance[] {
    return this.instances(id).filter((t) => t.status === "queued" || t.status === "running");
  }

  /** Claims the outbox messages for the given tasks (all when none given), as a queue delivery would. */
  claim(...ids: string[]): SimEffects {
    const refs = ids.length === 0 ? this.outbox : this.outbox.filter((r) => ids.includes(r.taskKey));
    this.outbox = this.outbox.filter((r) => !refs.includes(r));
    return this.send({ type: "AttemptsClaimed", refs });
  }

  /** Reports one outcome for a task's current attempt (or the one given). */
  report(id: string, opts: ReportOptions = {}): SimEffects {
    const { ok = true, attempt = this.task(id).attempt, claim = this.state.tasks.get(id)?.claim, capacity = 0, until, ...rest } = opts;
    return this.send({
      type: "AttemptsFinished",
      outcomes: [{ taskKey: id, attempt, ok, ...(claim === undefined ? {} : { claim }), ...rest }],
      capacity,
      ...(until === undefined ? {} : { until }),
    });
  }

  /** Reports several successes in one batch. */
  reportAll(ids: string[], capacity = 0): SimEffects {
    const outcomes = ids.map((id) => {
      const t = this.task(id);
      return { taskKey: id, attempt: t.attempt, ok: true, ...(t.claim === undefined ? {} : { claim: t.claim }) };
    });
    return this.send({ type: "AttemptsFinished", outcomes, capacity });
  }

  /** The workers of these tasks' current attempts are alive (their own claim tokens). */
  heartbeat(...ids: string[]): SimEffects {
    const refs = ids.map((id) => ({ taskKey: id, attempt: this.task(id).attempt, claim: this.task(id).claim ?? "" }));
    return this.send({ type: "HeartbeatReceived", refs });
  }

  /** A pool's answer: leases granted (by default the current lease of each task named) or refused. */
  poolAnswer(pool: string, granted: string[], refused: Array<{ id: string; message: string }> = []): SimEffects {
    const ref = (id: string) => ({ taskKey: id, attempt: this.task(id).poolLease?.attempt ?? this.task(id).attempt + 1 });
    return this.send({
      type: "PoolAnswered",
      pool,
      granted: granted.map(ref),
      refused: refused.map((r) => ({ ...ref(r.id), message: r.message })),
    });
  }

  fire(): SimEffects {
    return this.send({ type: "TimerFired" });
  }

  /**
   * Plays the worker until the queue is empty: claims every dispatched ref and
   * reports it (`fails` decides which task attempts fail). Returns the batches
   * of task ids in dispatch order.
   */
  drain(fails: (id: string, attempt: number) => boolean = () => false): string[][] {
    const batches: string[][] = [];
    while (this.outbox.length > 0) {
      const batch = this.outbox.map((r) => r.taskKey);
      batches.push(batch);
      this.claim();
      for (const id of batch) this.report(id, { ok: !fails(id, this.task(id).attempt) });
    }
    return batches;
  }
}

export const keys = (refs: WorkRef[]): string[] => refs.map((r) => r.taskKey).sort();
