// Switchyard bench — "the floor": the least work a Durable Object + Queue DAG
// orchestrator can do per task, with tasks that do nothing.
//
//   queue:        the DO writes one row per task transition (queued, done) and sends
//                 one queue message per ready task; the consumer groups a batch's
//                 messages by run, "runs" the tasks, reports a run's finished tasks to
//                 its DO in one RPC and acks them (as Switchyard's consumer claims and
//                 reports per run, not per message).
//   continuation: as "queue", but the DO's answer to a report hands back ready tasks,
//                 which the consumer runs at once and reports in the next RPC (no queue
//                 hop): as many as the report carried and at least CONTINUATION_MIN, the
//                 room Switchyard's consumer offers; further ready tasks of a fan-out
//                 still go through the queue (sendBatch).
//   inline:       no queue; the DO runs every task itself, writing the same rows and
//                 awaiting ctx.storage.sync() after each task.
//
// HTTP API (see bench/README.md):
//   GET  /health               -> 200 "ok"
//   POST /run {variant, deps}  -> 201 {id, startedAt}   deps[i] = indices task i waits for
//   GET  /run/:id              -> {done, ok, startedAt, endedAt, completed, total}
import { DurableObject } from "cloudflare:workers";

type Variant = "queue" | "continuation" | "inline";

interface TaskMsg {
  run: string;
  task: number;
}

interface Env {
  RUNS: DurableObjectNamespace<FloorRun>;
  TASKS: Queue<TaskMsg>;
}

export interface RunStatus {
  done: boolean;
  ok: boolean;
  startedAt: number | null;
  endedAt: number | null;
  completed: number;
  total: number;
}

const SEND_BATCH_MAX = 100; // Queues limit: 100 messages per sendBatch
/** Switchyard's DEFAULT_CONTINUATION_MIN: a report is offered room for at least this many tasks. */
const CONTINUATION_MIN = 4;

export class FloorRun extends DurableObject<Env> {
  private runId = "";
  private variant: Variant = "queue";
  private children: number[][] = [];
  private left: number[] = [];
  private completed = 0;
  private total = 0;
  private startedAt: number | null = null;
  private endedAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS run (k INTEGER PRIMARY KEY, variant TEXT, total INTEGER,
         started_at INTEGER, ended_at INTEGER);
       CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY, deps TEXT, state TEXT,
         updated_at INTEGER);`,
    );
  }

  async start(runId: string, variant: Variant, deps: number[][]): Promise<{ startedAt: number }> {
    const startedAt = Date.now();
    if (this.startedAt !== null) throw new Error("run already started");
    this.runId = runId;
    this.variant = variant;
    this.total = deps.length;
    this.startedAt = startedAt;
    this.children = deps.map(() => []);
    this.left = deps.map((d) => d.length);
    deps.forEach((d, i) => d.forEach((p) => this.children[p]!.push(i)));

    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("INSERT INTO run VALUES (1, ?, ?, ?, NULL)", variant, deps.length, startedAt);
      for (let i = 0; i < deps.length; i++) {
        sql.exec("INSERT INTO task VALUES (?, ?, 'pending', ?)", i, JSON.stringify(deps[i]), startedAt);
      }
    });
    const ready: number[] = [];
    this.left.forEach((n, i) => n === 0 && ready.push(i));
    if (variant === "inline") {
      this.ctx.waitUntil(this.runInline(ready));
    } else {
      await this.dispatch(ready);
    }
    return { startedAt };
  }

  /** One row write per transition; one queue message per task (sendBatch for fan-out). */
  private async dispatch(tasks: number[]): Promise<void> {
    if (tasks.length === 0) return;
    const now = Date.now();
    for (const t of tasks) this.setState(t, "queued", now);
    for (let i = 0; i < tasks.length; i += SEND_BATCH_MAX) {
      const chunk = tasks.slice(i, i + SEND_BATCH_MAX);
      if (chunk.length === 1) await this.env.TASKS.send({ run: this.runId, task: chunk[0]! });
      else await this.env.TASKS.sendBatch(chunk.map((task) => ({ body: { run: this.runId, task } })));
    }
  }

  private setState(task: number, state: string, now: number): void {
    this.ctx.storage.sql.exec("UPDATE task SET state = ?, updated_at = ? WHERE id = ?", state, now, task);
  }

  /** Marks `task` done; returns the tasks that became ready. */
  private finish(task: number): number[] {
    const now = Date.now();
    this.setState(task, "done", now);
    this.completed++;
    const ready: number[] = [];
    for (const c of this.children[task]!) if (--this.left[c]! === 0) ready.push(c);
    if (this.completed === this.total) {
      this.endedAt = now;
      this.ctx.storage.sql.exec("UPDATE run SET ended_at = ? WHERE k = 1", now);
    }
    return ready;
  }

  /** Called by the queue consumer with the tasks of this run that it has run (one
   *  call per run per batch, then one per round of handed-back tasks). Returns the
   *  tasks the consumer should run next without a queue hop (continuation variant). */
  async complete(tasks: number[]): Promise<number[]> {
    const ready = tasks.flatMap((t) => this.finish(t));
    let next: number[] = [];
    if (this.variant === "continuation" && ready.length > 0) {
      next = ready.splice(0, Math.max(tasks.length, CONTINUATION_MIN));
      const now = Date.now();
      for (const t of next) this.setState(t, "running", now);
    }
    await this.dispatch(ready);
    return next;
  }

  private async runInline(ready: number[]): Promise<void> {
    const todo = [...ready];
    while (todo.length > 0) {
      const t = todo.shift()!;
      this.setState(t, "running", Date.now());
      // the task itself: nothing
      todo.push(...this.finish(t));
      await this.ctx.storage.sync();
    }
  }

  async status(): Promise<RunStatus> {
    return {
      done: this.endedAt !== null,
      ok: this.endedAt !== null && this.completed === this.total,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      completed: this.completed,
      total: this.total,
    };
  }
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    if (req.method === "POST" && url.pathname === "/run") {
      const body = (await req.json()) as { variant?: Variant; deps?: number[][] };
      const variant = body.variant ?? "queue";
      if (!["queue", "continuation", "inline"].includes(variant) || !Array.isArray(body.deps)) {
        return json({ error: "body must be {variant: queue|continuation|inline, deps: number[][]}" }, 400);
      }
      const id = crypto.randomUUID();
      const { startedAt } = await env.RUNS.get(env.RUNS.idFromName(id)).start(id, variant, body.deps);
      return json({ id, startedAt }, 201);
    }
    const m = /^\/run\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      return json(await env.RUNS.get(env.RUNS.idFromName(m[1]!)).status());
    }
    return json({ error: "not found" }, 404);
  },

  async queue(batch: MessageBatch<TaskMsg>, env: Env): Promise<void> {
    const byRun = new Map<string, Array<Message<TaskMsg>>>();
    for (const msg of batch.messages) {
      const list = byRun.get(msg.body.run) ?? [];
      list.push(msg);
      byRun.set(msg.body.run, list);
    }
    await Promise.all(
      [...byRun].map(async ([run, msgs]) => {
        const stub = env.RUNS.get(env.RUNS.idFromName(run));
        // the tasks themselves: nothing
        let next = await stub.complete(msgs.map((m) => m.body.task));
        for (const m of msgs) m.ack();
        while (next.length > 0) next = await stub.complete(next);
      }),
    );
  },
} satisfies ExportedHandler<Env, TaskMsg>;
