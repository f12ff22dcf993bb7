import { compileDag, type Plan } from "../../../src/dag/plan";
import { validateDagSpec } from "../../../src/dag/validate";
import {
  createRun,
  DEFAULT_MACHINE_CONFIG,
  transition,
  type Effects,
  type MachineConfig,
  type MachineContext,
  type Offer,
  type RunEvent,
} from "../../../src/run/machine";
import type { RunState, TaskError, TaskInstance, TaskStatus, WorkRef } from "../../../src/run/types";

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
}

/**
 * A run driven by hand: a fake clock (`ctx.now`, advanced explicitly), a fixed
 * random number, and a worker that claims dispatched refs and reports outcomes.
 */
export class Sim {
  readonly ctx: MachineContext;
  readonly plan: Plan;
  readonly state: RunState;
  /** Effects of the last event (or of createRun). */
  fx: Effects;
  /** Queue messages sent and not yet claimed. */
  outbox: WorkRef[] = [];

  constructor(tasks: Record<string, unknown>, config: Partial<MachineConfig> = {}, options: SimOptions = {}) {
    this.ctx = { now: T0, random: () => 0.5, config: { ...DEFAULT_MACHINE_CONFIG, ...config } };
    this.plan = planOf(tasks, options.dag);
    const params = options.params ?? {};
    const { state, effects } = createRun(
      { runId: "run-1", dagId: "dag", dagVersion: 1, createdAt: T0, params, trigger: { type: "api" } },
      this.plan,
      this.ctx,
      options.offer,
    );
    this.state = state;
    this.fx = effects;
    this.outbox.push(...effects.dispatch);
  }

  advance(ms: number): this {
    this.ctx.now += ms;
    return this;
  }

  send(event: RunEvent): Effects {
    this.fx = transition(this.state, this.plan, event, this.ctx);
    this.outbox.push(...this.fx.dispatch);
    return this.fx;
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
  claim(...ids: string[]): Effects {
    const refs = ids.length === 0 ? this.outbox : this.outbox.filter((r) => ids.includes(r.taskKey));
    this.outbox = this.outbox.filter((r) => !refs.includes(r));
    return this.send({ type: "AttemptsClaimed", refs });
  }

  /** Reports one outcome for a task's current attempt (or the one given). */
  report(id: string, opts: ReportOptions = {}): Effects {
    const { ok = true, attempt = this.task(id).attempt, capacity = 0, until, ...rest } = opts;
    return this.send({
      type: "AttemptsFinished",
      outcomes: [{ taskKey: id, attempt, ok, ...rest }],
      capacity,
      ...(until === undefined ? {} : { until }),
    });
  }

  /** Reports several successes in one batch. */
  reportAll(ids: string[], capacity = 0): Effects {
    const outcomes = ids.map((id) => ({ taskKey: id, attempt: this.task(id).attempt, ok: true }));
    return this.send({ type: "AttemptsFinished", outcomes, capacity });
  }

  fire(): Effects {
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
