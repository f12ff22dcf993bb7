import { DurableObject } from "cloudflare:workers";
import { storedSpec } from "../dag/compiled";
import { validateRunParams } from "../dag/params";
import { catalog, dagVersion, latestDagVersion } from "../db/catalog";
import { writeDagSchedule } from "../db/dag-schedules";
import { logicalDateHistory, writeBackfill, type BackfillRow } from "../db/backfills";
import type { SpecIssue } from "../lib/issues";
import { coordinatorFor } from "../run/client";
import type { StartRunInput } from "../run/rpc";
import { isFinishedRun, type RunStatus } from "../run/types";
import { iso, type RunSummary } from "../run/view";
import type { WorkOrder } from "../run/work-order";
import { backfillIntervals, datesToRun, type DateHistory } from "../scheduling/backfill-window";
import { dagScheduling } from "../scheduling/dag-schedule";
import { parseZonedTime } from "../scheduling/local-time";
import { ds, fireTimeBefore, nextScheduledInterval, type Schedule, type ScheduledInterval } from "../scheduling/schedule";
import type { DagEvent, DagEventOutcome, UpstreamEnd } from "../events/dag-event";
import { triggersFor, type DagTriggerRow } from "../db/dag-triggers";
import { dagFor } from "./client";
import { admitUpdate } from "../events/dataset-gate";
import { r2ObjectDetail, r2ObjectIdentity } from "../events/r2-notification";
import { datasetsMode, TriggerSpecSchema, upstreamStatuses } from "../events/trigger-spec";
import { canonicalDatasetUri } from "../lineage/dataset-uri";
import { logicalDateRunKey, runIdForKey, sha256Hex } from "../lib/ids";
import type { RunTrigger } from "../run/types";
import { numberVar } from "../lib/vars";
import { DagStorage, type BackfillDate } from "./dag-storage";
import { EventStore, type R2Batch } from "./event-store";
import { intervalRunInput } from "./run-inputs";
import { BackfillRequestSchema, type ActiveRun, type Backfill, type BackfillStatus, type DagScheduleStatus, type DagState, type RunSource, type StoredStartInput } from "./types";
export type { DagScheduleStatus } from "./types";

/** The most scheduled runs one wake-up creates (a long catchup goes on at the next). */
const MAX_CREATED_PER_WAKE = 1_000;
/** First retry of a run whose coordinator could not be reached, doubling to a minute. */
const START_RETRY_MS = 1_000;
/**
 * A run reserved by a caller that creates it itself is checked after the dispatch lease
 * (`DISPATCH_LEASE_MS`, 30 s) unless it ended before (most runs do): a caller that died between
 * the reservation and the creation has its run created by the alarm.
 */
const DEFAULT_RESERVATION_CHECK_MS = 30_000;
/** How long a DAG object trusts its list of downstream DAGs (registration also tells it when it changes). */
const DOWNSTREAM_TTL_MS = 60_000;



export type StartAnswer = { created: boolean; run: RunSummary; orders: WorkOrder[] };

export type BackfillAnswer =
  | { ok: true; backfillId: string | null; dryRun: boolean; dates: string[] }
  | { ok: false; status: 400 | 404; issues: SpecIssue[] };

export interface BackfillView {
  backfillId: string;
  dagId: string;
  status: BackfillStatus;
  request: Backfill["request"];
  maxActiveRuns: number;
  createdAt: string | null;
  endedAt: string | null;
  counts: Record<string, number>;
  dates: Array<{ logicalDate: string; ds: string; status: string; runId: string | null }>;
}

/**
 * One Durable Object per DAG: the only writer of what spans the DAG's runs — its schedule's
 * cursor, its paused state, the runs it counts against `maxActiveRuns` (and those queued behind
 * it), its backfills. Its alarm wakes it when the next scheduled run is due; the minute cron tick
 * wakes it too, as a safety net. Decisions are made in one synchronous block (rows written
 * before any await), so concurrent calls never hand out the same slot twice, and run ids come
 * from (dagId, logicalDate), so no interleaving creates a second run of a date.
 */
export class DagCoordinator extends DurableObject<Env> {
  private readonly store: DagStorage;
  private readonly events: EventStore;
  private state: DagState | undefined;
  private readonly active = new Map<string, ActiveRun>();
  private readonly backfills = new Map<string, Backfill>();
  /** Runs whose coordinator is being told right now (a concurrent wake-up leaves them alone). */
  private readonly telling = new Set<string>();
  /** Projections to write to the catalog (coalesced: one write per ~50 ms however many runs end). */
  private readonly dirty = { dag: false, backfills: new Set<string>() };
  private projecting: Promise<void> | undefined;
  /** Marks made, and the last mark a finished write covered (a caller waits for its own mark only). */
  private marked = 0;
  private written = 0;
  /** The scheduling row last written to the catalog: an unchanged one is not written again. */
  private lastProjected: string | undefined;
  /** DAGs with a `dag` trigger on this one (from the trigger index), and when that was read. */
  private downstream: { rows: DagTriggerRow[]; readAt: number } | undefined;
  /** The alarm time as last set (null = none), so a wake-up rarely touches the alarm. */
  private alarmAt: number | null | undefined;
  /** The spec of the version scheduled runs use (read from the catalog once per version). */
  private spec: { version: number; specJson: string } | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new DagStorage(ctx.storage.sql);
    this.events = new EventStore(ctx.storage.sql);
    this.state = this.store.loadState();
    for (const r of this.store.loadActive()) this.active.set(r.runId, r);
    for (const b of this.store.loadBackfills()) this.backfills.set(b.backfillId, b);
  }

  // ---- RPC -----------------------------------------------------------------

  /** Applies the DAG's latest version (registration calls this), then does what is due. */
  async sync(dagId: string): Promise<DagScheduleStatus | null> {
    const latest = await latestDagVersion(catalog(this.env.CATALOG), dagId);
    if (!latest) return null;
    this.apply(dagId, latest.version, latest.specJson);
    await this.wake();
    await this.projected();
    return this.status_();
  }

  /** The minute cron tick (and the alarm): the latest version applied, due runs created, queued ones started. */
  async tick(dagId: string): Promise<void> {
    await this.sync(dagId);
  }

  /**
   * Starts a run this object was handed an event for, under `maxActiveRuns`: at once when a slot
   * is free, else created `queued`, to start in event order as runs end. (Triggers outside the
   * object `reserve` instead and create the run themselves.)
   */
  private async admit(input: StartRunInput, source: RunSource = "manual"): Promise<StartAnswer> {
    this.apply(input.dagId, input.dagVersion, input.specJson);
    const known = this.active.get(input.runId);
    if (!known) {
      const { specJson: _spec, offer: _offer, queued: _queued, ...stored } = input;
      const queued = this.running("dag") >= this.dag().scheduling.maxActiveRuns;
      const orderAt = input.logicalDate !== undefined ? Date.parse(input.logicalDate) : Date.now();
      const row: ActiveRun = { runId: input.runId, source, state: queued ? "queued" : "running", orderAt, pending: "start", minEnd: 1, input: stored };
      this.active.set(row.runId, row);
      this.store.writeActive(row);
    }
    const row = this.active.get(input.runId);
    try {
      const answer = await coordinatorFor(this.env, input.runId).start({ ...input, queued: row?.state === "queued" });
      if (row) await this.started(row, answer);
      return answer;
    } catch (err) {
      if (row) await this.retryLater(row);
      throw err;
    }
  }

  /**
   * Reserves a triggered run's place under `maxActiveRuns` (manual, a parent's `dag` task): it may
   * start now, or is to be created `queued`. The caller creates the run itself (one hop instead of
   * two through this object); the reservation is kept as a run to create, checked after
   * the dispatch lease unless the run ended before, so a caller that died in between loses
   * nothing.
   */
  async reserve(input: StoredStartInput, source: RunSource = "manual"): Promise<{ queued: boolean }> {
    if (!this.state || this.state.dagId !== input.dagId || this.state.version < input.dagVersion) {
      this.apply(input.dagId, input.dagVersion, await this.specJsonOf(input.dagId, input.dagVersion));
    }
    const known = this.active.get(input.runId);
    if (known) return { queued: known.state === "queued" };
    const queued = this.running("dag") >= this.dag().scheduling.maxActiveRuns;
    const orderAt = input.logicalDate !== undefined ? Date.parse(input.logicalDate) : Date.now();
    const row: ActiveRun = { runId: input.runId, source, state: queued ? "queued" : "running", orderAt, pending: "start", retryAt: Date.now() + numberVar(this.env.DISPATCH_LEASE_MS, DEFAULT_RESERVATION_CHECK_MS), minEnd: 1, input };
    this.active.set(row.runId, row);
    // Written just after answering, so the answer is not held back until the row's write commits (a
    // Durable Object's output gate). An object lost in that instant forgets the reservation: the run
    // then simply is not counted (at most one run over the limit per crash), and its end is ignored.
    setTimeout(() => {
      if (this.active.get(row.runId) === row) this.store.writeActive(row);
      void this.armAlarm();
    }, 0);
    return { queued };
  }

  /** A run of this DAG ended (its `RunEnded`, at least once): its slot frees, what waits for one starts. */
  async runEnded(dagId: string, ended: UpstreamEnd): Promise<void> {
    await this.forget(dagId, ended);
    await this.notifyDownstream(dagId, ended);
  }

  /** A run no longer counts (it ended, or a trigger found it ended already): its slot frees. */
  async forget(dagId: string, ended: { runId: string; eventId: string; status: RunStatus }): Promise<void> {
    const row = this.active.get(ended.runId);
    const n = Number(ended.eventId.slice(ended.eventId.lastIndexOf(":") + 1));
    if (!row || !(n >= row.minEnd) || !this.state || this.state.dagId !== dagId) return;
    this.active.delete(row.runId);
    this.store.deleteActive(row.runId);
    if (row.backfillId !== undefined) {
      this.store.endDateOfRun(row.backfillId, row.runId, ended.status === "success" ? "success" : ended.status === "cancelled" ? "cancelled" : "failed");
      await this.settleBackfill(row.backfillId);
    }
    await this.wake();
  }

  /** The trigger index changed for DAGs downstream of this one: read it again at the next run end. */
  async refreshDownstream(): Promise<void> {
    this.downstream = undefined;
  }

  /**
   * Hands a run's end to every DAG with a `dag` trigger on this one. Which DAGs those are is read
   * from the trigger index once (and again after registration says it changed, or after a minute),
   * so a DAG nobody depends on costs no lookup per run. Each downstream object starts one run per
   * upstream end (its id comes from the logical date or the event id).
   */
  private async notifyDownstream(dagId: string, ended: UpstreamEnd): Promise<void> {
    const now = Date.now();
    if (!this.downstream || now - this.downstream.readAt > DOWNSTREAM_TTL_MS) {
      this.downstream = { rows: await triggersFor(this.env.CATALOG, "dag", dagId), readAt: now };
    }
    for (const row of this.downstream.rows) {
      const trigger = TriggerSpecSchema.parse(JSON.parse(row.configJson));
      if (trigger.type !== "dag") continue;
      await dagFor(this.env, row.dagId).event(row.dagId, { kind: "upstream", position: row.position, trigger, upstream: ended });
    }
  }

  async pause(dagId: string): Promise<DagScheduleStatus | null> {
    if (!(await this.ensure(dagId))) return null;
    this.dag().paused = true;
    this.store.writeState(this.dag());
    await this.wake();
    await this.projected();
    return this.status_();
  }

  /**
   * Resumes scheduling. With catchup, every interval missed while paused runs (oldest first, within
   * maxActiveRuns); without, only the latest complete one, once.
   */
  async unpause(dagId: string): Promise<DagScheduleStatus | null> {
    if (!(await this.ensure(dagId))) return null;
    this.dag().paused = false;
    this.store.writeState(this.dag());
    // Events kept while paused start their runs now, in the order they arrived.
    for (const { seq, event } of this.events.paused()) {
      await this.handleEvent(event);
      this.events.forgetPaused(seq);
    }
    await this.wake();
    await this.projected();
    return this.status_();
  }

  async status(dagId: string): Promise<DagScheduleStatus | null> {
    if (!(await this.ensure(dagId))) return null;
    return this.status_();
  }

  /**
   * An event one of the DAG's triggers matched (R2 object, webhook, upstream run end, dataset
   * update). A paused DAG keeps it for unpause or drops it (`onPausedEvents`); otherwise it starts
   * a run (under `maxActiveRuns`, queued beyond it in event order), joins an R2 batch, or waits in
   * a datasets gate. Repeats of one event start nothing new.
   */
  async event(dagId: string, ev: DagEvent): Promise<DagEventOutcome> {
    if (!(await this.ensure(dagId))) return { outcome: "ignored", reason: `no DAG '${dagId}'` };
    if (this.dag().paused) {
      const spec = storedSpec(await this.specJson(this.dag().version));
      if ((spec.onPausedEvents ?? "keep") === "drop") return { outcome: "dropped" };
      this.events.keepPaused(ev);
      return { outcome: "kept" };
    }
    return this.handleEvent(ev);
  }

  /**
   * Plans a backfill over `[from, to]` and answers at once with the logical dates it will run
   * (after `reprocess` removed those it skips); its runs start from the alarm as its own
   * `maxActiveRuns` allows. `dryRun` creates nothing.
   */
  async createBackfill(dagId: string, body: unknown): Promise<BackfillAnswer> {
    const parsed = BackfillRequestSchema.safeParse(body);
    if (!parsed.success) {
      return { ok: false, status: 400, issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
    }
    const req = parsed.data;
    const latest = await latestDagVersion(catalog(this.env.CATALOG), dagId);
    if (!latest) return { ok: false, status: 404, issues: [{ path: "dagId", message: `no DAG '${dagId}'` }] };
    this.apply(dagId, latest.version, latest.specJson);
    const spec = storedSpec(latest.specJson);
    const { timezone } = this.dag().scheduling;
    const issues: SpecIssue[] = [];
    const from = parseZonedTime(req.from, timezone);
    const to = parseZonedTime(req.to, timezone);
    if (from === undefined) issues.push({ path: "from", message: `not a date or date-time: '${req.from}'` });
    if (to === undefined) issues.push({ path: "to", message: `not a date or date-time: '${req.to}'` });
    if (from !== undefined && to !== undefined && to < from) issues.push({ path: "to", message: `before from ('${req.to}' < '${req.from}')` });
    const params = validateRunParams(spec.params, req.params ?? {});
    if (!params.ok) issues.push(...params.issues.map((i) => ({ path: `params.${i.path}`.replace(/^params\.params/, "params"), message: i.message })));
    if (issues.length > 0 || from === undefined || to === undefined || !params.ok) return { ok: false, status: 400, issues };
    // A DAG without a schedule backfills daily dates in its timezone.
    const schedule: Schedule = this.dag().scheduling.schedule ?? { expression: "@daily", timezone };
    const window = backfillIntervals(schedule, from, to);
    if (!window) return { ok: false, status: 400, issues: [{ path: "to", message: "the window holds more than 10,000 logical dates: split it" }] };
    const history = await this.dateHistory(dagId, window);
    const chosen = datesToRun(window, history, req.reprocess ?? "missing");
    if (req.newestFirst) chosen.reverse();
    const dates = chosen.map((i) => new Date(i.logicalDate).toISOString());
    if (req.dryRun) return { ok: true, backfillId: null, dryRun: true, dates };

    const backfillId = `bf_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const now = Date.now();
    const backfill: Backfill = {
      backfillId,
      dagId,
      status: chosen.length === 0 ? "success" : "running",
      request: req,
      maxActiveRuns: req.maxActiveRuns ?? this.dag().scheduling.maxActiveRuns,
      params: params.params,
      createdAt: now,
      ...(chosen.length === 0 ? { endedAt: now } : {}),
    };
    this.backfills.set(backfillId, backfill);
    this.store.writeBackfill(backfill);
    this.store.addDates(
      backfillId,
      chosen.map(
        (i, position): BackfillDate => ({
          position,
          logicalDate: new Date(i.logicalDate).toISOString(),
          dataIntervalEnd: new Date(i.dataIntervalEnd).toISOString(),
          ds: ds(i.logicalDate, timezone),
          status: "pending",
          runId: null,
        }),
      ),
    );
    // Its catalog row first (the API finds a backfill's DAG by it), then the alarm starts its runs
    // just after this answers, whatever the window's size.
    await writeBackfill(this.env.CATALOG, this.backfillRow(backfill, now));
    await this.ctx.storage.setAlarm(now + 20);
    this.alarmAt = now + 20;
    return { ok: true, backfillId, dryRun: false, dates };
  }

  async backfill(backfillId: string): Promise<BackfillView | null> {
    const b = this.backfills.get(backfillId);
    if (!b) return null;
    return {
      backfillId,
      dagId: b.dagId,
      status: b.status,
      request: b.request,
      maxActiveRuns: b.maxActiveRuns,
      createdAt: iso(b.createdAt),
      endedAt: iso(b.endedAt),
      counts: this.store.counts(backfillId),
      dates: this.store.dates(backfillId).map((d) => ({ logicalDate: d.logicalDate, ds: d.ds, status: d.status, runId: d.runId })),
    };
  }

  /** Cancels a backfill: dates not started are dropped, its queued and running runs are cancelled. */
  async cancelBackfill(backfillId: string): Promise<BackfillView | null> {
    const b = this.backfills.get(backfillId);
    if (!b) return null;
    if (b.status === "running") {
      b.status = "cancelled";
      b.endedAt = Date.now();
      this.store.writeBackfill(b);
      this.store.cancelPending(backfillId);
      const runs = [...this.active.values()].filter((r) => r.backfillId === backfillId);
      await Promise.all(
        runs.map((r) => coordinatorFor(this.env, r.runId).cancel(`backfill ${backfillId} cancelled`).catch((err: unknown) => console.error(`cancel ${r.runId}`, err))),
      );
      this.markDirty(backfillId);
      await this.projected();
    }
    return this.backfill(backfillId);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.state) return;
    await this.closeDueBatches(Date.now());
    await this.sync(this.state.dagId);
  }

  // ---- events ----------------------------------------------------------------

  private async handleEvent(ev: DagEvent): Promise<DagEventOutcome> {
    const now = Date.now();
    switch (ev.kind) {
      case "r2": {
        const identity = r2ObjectIdentity(ev.notification);
        const object = r2ObjectDetail(ev.notification);
        const batch = ev.trigger.batch;
        if (!batch) return this.startEventRun(`r2:${identity}`, { type: "r2", detail: { object } });
        // Each object belongs to exactly one batch, whatever the deliveries.
        if (!this.events.firstSight(`r2:${ev.position}:${identity}`, now)) return { outcome: "duplicate" };
        const open: R2Batch = this.events.batch(ev.position) ?? {
          position: ev.position,
          batchId: crypto.randomUUID().replaceAll("-", "").slice(0, 20),
          openedAt: now,
          closesAt: now + batch.windowSeconds * 1_000,
          maxObjects: batch.maxObjects ?? null,
          objects: [],
        };
        open.objects.push(object);
        if (open.maxObjects !== null && open.objects.length >= open.maxObjects) {
          this.events.closeBatch(ev.position);
          await this.startBatch(open);
        } else {
          this.events.writeBatch(open);
          await this.armAlarm();
        }
        return { outcome: "batched", batchId: open.batchId };
      }
      case "webhook":
        return this.startEventRun(ev.runKey, { type: "webhook", detail: { body: ev.body, headers: ev.headers, receivedAt: new Date(ev.receivedAt).toISOString() } });
      case "upstream": {
        const u = ev.upstream;
        if (!upstreamStatuses(ev.trigger).includes(u.status)) return { outcome: "ignored", reason: `upstream run ended ${u.status}` };
        const trigger: RunTrigger = { type: "upstream", detail: { upstream: { dagId: u.dagId, runId: u.runId, status: u.status, logicalDate: u.logicalDate } } };
        if (u.logicalDate === null) return this.startEventRun(`upstream:${u.eventId}`, trigger);
        // The downstream run takes the upstream's logical date (a backfill flows through, day by day).
        const ms = Date.parse(u.logicalDate);
        return this.startEventRun(logicalDateRunKey(u.logicalDate), trigger, {
          logicalDate: u.logicalDate,
          dataIntervalStart: u.dataIntervalStart ?? u.logicalDate,
          dataIntervalEnd: u.dataIntervalEnd ?? u.logicalDate,
          ds: ds(ms, this.dag().scheduling.timezone),
        });
      }
      case "dataset": {
        if (!this.events.firstSight(`dataset:${ev.position}:${ev.update.eventId}`, now)) return { outcome: "duplicate" };
        const gate = this.events.gate(ev.position);
        const datasets = [...new Set(ev.trigger.datasets.map(canonicalDatasetUri))];
        const runs = admitUpdate(gate, datasets, datasetsMode(ev.trigger), { ...ev.update, uri: canonicalDatasetUri(ev.update.uri) });
        this.events.writeGate(ev.position, gate);
        let last: DagEventOutcome = { outcome: "waiting" };
        for (const consumed of runs) {
          const key = await sha256Hex(consumed.map((u) => u.eventId).join("\n"));
          last = await this.startEventRun(`datasets:${ev.position}:${key.slice(0, 32)}`, { type: "dataset", detail: { events: consumed } });
        }
        return last;
      }
    }
  }

  private async startBatch(b: R2Batch): Promise<DagEventOutcome> {
    return this.startEventRun(`r2-batch:${b.batchId}`, { type: "r2", detail: { batchId: b.batchId, objects: b.objects } });
  }

  /** R2 batches whose window closed start their runs. */
  private async closeDueBatches(now: number): Promise<void> {
    for (const b of this.events.batches()) {
      if (b.closesAt > now) continue;
      this.events.closeBatch(b.position);
      try {
        await this.startBatch(b);
      } catch (err) {
        // Kept: its run is started again from the alarm (the run id comes from the batch id).
        this.events.writeBatch({ ...b, closesAt: now + START_RETRY_MS });
        console.error(`DAG ${this.dag().dagId}: R2 batch ${b.batchId} could not start its run; retrying`, err);
      }
    }
  }

  /** Starts (or finds) the run of one event, under maxActiveRuns like a manual run. */
  private async startEventRun(
    runKey: string,
    trigger: RunTrigger,
    dated?: { logicalDate: string; dataIntervalStart: string; dataIntervalEnd: string; ds: string },
  ): Promise<DagEventOutcome> {
    const st = this.dag();
    const specJson = await this.specJson(st.version);
    const runId = runIdForKey(st.dagId, runKey);
    const answer = await this.admit({ runId, dagId: st.dagId, dagVersion: st.version, specJson, params: this.defaultParams(), trigger, runKey, ...dated });
    return { outcome: answer.created ? "started" : "existing", runId, status: answer.run.status };
  }

  // ---- internals -------------------------------------------------------------

  private dag(): DagState {
    if (!this.state) throw new Error("DAG object used before a version was applied");
    return this.state;
  }

  private async ensure(dagId: string): Promise<boolean> {
    if (this.state?.dagId === dagId) return true;
    return (await this.sync(dagId)) !== null;
  }

  /** Applies a DAG version's scheduling (a no-op for a version already applied or older). */
  private apply(dagId: string, version: number, specJson: string): void {
    const cur = this.state;
    if (cur && cur.dagId === dagId && cur.version >= version) return;
    const scheduling = dagScheduling(storedSpec(specJson));
    const s = scheduling.schedule;
    const scheduleKey = s ? `${s.expression}|${s.timezone}` : undefined;
    let cursor = cur?.cursor;
    if (s) {
      if (cursor === undefined) cursor = s.startDate;
      else if (cur?.scheduleKey !== undefined && cur.scheduleKey !== scheduleKey) {
        // A changed schedule takes effect at its next fire time: its intervals start at its last fire.
        const last = fireTimeBefore(s, Date.now() + 1);
        if (last !== undefined && last > cursor) cursor = last;
      }
      if (s.startDate > cursor) cursor = s.startDate;
    }
    this.state = {
      dagId,
      version,
      scheduling,
      paused: cur?.paused ?? false,
      ...(scheduleKey === undefined ? (cur?.scheduleKey === undefined ? {} : { scheduleKey: cur.scheduleKey }) : { scheduleKey }),
      ...(cursor === undefined ? {} : { cursor }),
    };
    this.spec = { version, specJson };
    this.store.writeState(this.state);
  }

  /** Runs counted against a limit: the DAG's (scheduled and manual) or one backfill's. */
  private running(limit: "dag" | { backfillId: string }): number {
    let n = 0;
    for (const r of this.active.values()) {
      if (r.state !== "running") continue;
      if (limit === "dag" ? r.source !== "backfill" : r.backfillId === limit.backfillId) n += 1;
    }
    return n;
  }

  private nextInterval(now: number): ScheduledInterval | undefined {
    const st = this.dag();
    const s = st.scheduling.schedule;
    if (!s || st.cursor === undefined) return undefined;
    return nextScheduledInterval(s, st.cursor, now);
  }

  /**
   * Decides, in one synchronous block, which runs start now: queued runs and due scheduled
   * intervals in logical-date order while the DAG has free slots, then each backfill's next dates
   * within its own limit; then tells their coordinators, retries what could not be reached,
   * writes the projection and arms the alarm.
   */
  private async wake(): Promise<void> {
    const st = this.dag();
    const now = Date.now();
    const todo: ActiveRun[] = [...this.active.values()].filter((r) => r.pending !== undefined && (r.retryAt ?? 0) <= now && !this.telling.has(r.runId));
    let free = st.scheduling.maxActiveRuns - this.running("dag");
    const queued = [...this.active.values()].filter((r) => r.source !== "backfill" && r.state === "queued").sort((a, b) => a.orderAt - b.orderAt);
    let created = 0;
    while (free > 0) {
      const next = st.paused ? undefined : this.nextInterval(now);
      const due = next !== undefined && next.dataIntervalEnd <= now && created < MAX_CREATED_PER_WAKE ? next : undefined;
      const q = queued[0];
      if (!due && !q) break;
      if (due && (!q || due.logicalDate <= q.orderAt)) {
        const input = intervalRunInput(
          { dagId: st.dagId, version: st.version, timezone: st.scheduling.timezone },
          due,
          this.defaultParams(),
          { type: "cron", detail: { schedule: st.scheduling.schedule?.expression, timezone: st.scheduling.timezone } },
        );
        st.cursor = due.dataIntervalEnd;
        created += 1;
        if (!this.active.has(input.runId)) {
          const row: ActiveRun = { runId: input.runId, source: "scheduled", state: "running", orderAt: due.logicalDate, pending: "start", minEnd: 1, input };
          this.active.set(row.runId, row);
          this.store.writeActive(row);
          todo.push(row);
        }
      } else if (q) {
        queued.shift();
        q.state = "running";
        q.pending = q.pending === "start" ? "start" : "release";
        this.store.writeActive(q);
        if (!todo.includes(q)) todo.push(q);
      }
      free -= 1;
    }
    if (created > 0) this.store.writeState(st);
    for (const b of this.backfills.values()) {
      if (b.status !== "running") continue;
      const room = b.maxActiveRuns - this.running({ backfillId: b.backfillId });
      if (room <= 0) continue;
      for (const d of this.store.pendingDates(b.backfillId, room)) {
        const interval = { logicalDate: Date.parse(d.logicalDate), dataIntervalStart: Date.parse(d.logicalDate), dataIntervalEnd: Date.parse(d.dataIntervalEnd) };
        const input = intervalRunInput({ dagId: st.dagId, version: st.version, timezone: st.scheduling.timezone }, interval, b.params, { type: "backfill", detail: { backfillId: b.backfillId } }, b.backfillId);
        const row: ActiveRun = { runId: input.runId, source: "backfill", state: "running", orderAt: interval.logicalDate, pending: "start", minEnd: 1, backfillId: b.backfillId, input };
        this.store.setDate(b.backfillId, d.position, "running", input.runId);
        this.active.set(row.runId, row);
        this.store.writeActive(row);
        todo.push(row);
      }
    }
    // ---- end of the synchronous block ----
    await Promise.all(todo.map((r) => this.tell(r)));
    this.markDirty();
    await this.armAlarm();
  }

  /** Tells a run's coordinator what the DAG decided: create it, or release it from `queued`. */
  private async tell(row: ActiveRun): Promise<void> {
    if (this.telling.has(row.runId)) return;
    this.telling.add(row.runId);
    try {
      if (row.pending === "release") {
        // A run its caller has not created yet (reserved queued) is released once it exists.
        if ((await coordinatorFor(this.env, row.runId).release()) === null) throw new Error("the run does not exist yet");
        delete row.pending;
        delete row.retryAt;
        delete row.failures;
        this.persist(row);
        return;
      }
      const specJson = await this.specJson(row.input.dagVersion);
      const answer = await coordinatorFor(this.env, row.runId).start({ ...row.input, specJson, queued: row.state === "queued" });
      await this.started(row, answer);
    } catch (err) {
      console.error(`DAG ${row.input.dagId}: run ${row.runId} could not be started; retrying`, err);
      await this.retryLater(row);
    } finally {
      this.telling.delete(row.runId);
    }
  }

  /**
   * The coordinator answered a start. A run that already existed (a date run before) and has
   * ended: a backfill runs it again (history kept), anything else lets its slot go.
   */
  private async started(row: ActiveRun, answer: StartAnswer): Promise<void> {
    delete row.pending;
    delete row.retryAt;
    delete row.failures;
    // Only ends after this one count (the run may end, and say so, before the calls below return).
    if (!answer.created) row.minEnd = answer.run.ends + 1;
    this.persist(row);
    if (answer.created || !isFinishedRun(answer.run.status)) {
      if (answer.run.status === "queued" && row.state === "running") {
        // Created queued by an earlier attempt: release it now that it holds a slot.
        await coordinatorFor(this.env, row.runId).release();
      }
      return;
    }
    if (row.backfillId !== undefined) {
      const b = this.backfills.get(row.backfillId);
      const rerun = await coordinatorFor(this.env, row.runId).rerunForBackfill(row.backfillId, b?.request.reprocess === "all");
      if (rerun) return;
    }
    if (this.active.get(row.runId) !== row) return;
    this.active.delete(row.runId);
    this.store.deleteActive(row.runId);
    if (row.backfillId !== undefined) {
      this.store.endDateOfRun(row.backfillId, row.runId, answer.run.status === "success" ? "success" : "failed");
      await this.settleBackfill(row.backfillId);
    }
  }

  /** Writes a row the DAG still counts (a run that ended meanwhile stays gone). */
  private persist(row: ActiveRun): void {
    if (this.active.get(row.runId) === row) this.store.writeActive(row);
  }

  private async retryLater(row: ActiveRun): Promise<void> {
    // 1 s, then doubling to a minute; a reservation's check time is not a failed try.
    row.failures = (row.failures ?? 0) + 1;
    row.retryAt = Date.now() + Math.min(60_000, START_RETRY_MS * 2 ** (row.failures - 1));
    row.pending ??= "start";
    this.persist(row);
    await this.armAlarm();
  }

  /** A backfill whose dates have all ended is done: success when every date succeeded. */
  private async settleBackfill(backfillId: string): Promise<void> {
    const b = this.backfills.get(backfillId);
    if (!b) return;
    const counts = this.store.counts(backfillId);
    if (b.status === "running" && (counts.pending ?? 0) === 0 && (counts.running ?? 0) === 0) {
      b.status = (counts.failed ?? 0) + (counts.cancelled ?? 0) > 0 ? "failed" : "success";
      b.endedAt = Date.now();
      this.store.writeBackfill(b);
    }
    this.markDirty(backfillId);
  }

  private defaultParams(): Record<string, unknown> {
    const spec = this.spec ? storedSpec(this.spec.specJson) : undefined;
    const r = validateRunParams(spec?.params, {});
    return r.ok ? r.params : {};
  }

  private async specJson(version: number): Promise<string> {
    return this.specJsonOf(this.dag().dagId, version);
  }

  private async specJsonOf(dagId: string, version: number): Promise<string> {
    if (this.spec?.version === version) return this.spec.specJson;
    const row = await dagVersion(catalog(this.env.CATALOG), dagId, version);
    if (!row) throw new Error(`no version ${version} of DAG '${dagId}'`);
    if (version === this.state?.version) this.spec = { version, specJson: row.specJson };
    return row.specJson;
  }

  /** What the catalog and this object know of each date's runs (a run just started may not be in the catalog yet). */
  private async dateHistory(dagId: string, window: ScheduledInterval[]): Promise<(logicalDate: number) => DateHistory> {
    const first = window[0];
    const last = window[window.length - 1];
    const known = first && last ? await logicalDateHistory(this.env.CATALOG, dagId, iso(first.logicalDate) ?? "", iso(last.logicalDate) ?? "") : new Map();
    const activeDates = new Map<string, "queued" | "running">();
    for (const r of this.active.values()) if (r.input.logicalDate !== undefined) activeDates.set(r.input.logicalDate, r.state);
    return (logicalDate) => {
      const key = iso(logicalDate) ?? "";
      const a = activeDates.get(key);
      const h = known.get(key);
      const latest = a ?? (h?.status as DateHistory["latest"]);
      return { succeeded: h?.succeeded ?? false, ...(latest === undefined ? {} : { latest }) };
    };
  }

  private status_(): DagScheduleStatus {
    const st = this.dag();
    const s = st.scheduling.schedule;
    const next = this.nextInterval(Date.now());
    let queuedRuns = 0;
    let backfillRuns = 0;
    for (const r of this.active.values()) {
      if (r.source === "backfill") backfillRuns += 1;
      else if (r.state === "queued") queuedRuns += 1;
    }
    return {
      schedule: s?.expression ?? null,
      timezone: st.scheduling.timezone,
      catchup: s?.catchup ?? false,
      paused: st.paused,
      maxActiveRuns: st.scheduling.maxActiveRuns,
      nextRunAt: iso(next?.dataIntervalEnd),
      nextLogicalDate: iso(next?.logicalDate),
      activeRuns: this.running("dag"),
      queuedRuns,
      backfillRuns,
      pausedEvents: this.events.pausedCount(),
    };
  }

  /** A backfill's catalog row (its projection: what routes `GET /api/backfills/{id}` and lists a DAG's backfills). */
  private backfillRow(b: Backfill, now: number): BackfillRow {
    return {
      backfillId: b.backfillId,
      dagId: b.dagId,
      status: b.status,
      requestJson: JSON.stringify(b.request),
      countsJson: JSON.stringify(this.store.counts(b.backfillId)),
      createdAt: b.createdAt,
      updatedAt: now,
    };
  }

  /** Marks the catalog's copies to rewrite: the DAG's scheduling state, and a backfill's. */
  private markDirty(backfillId?: string): void {
    this.marked += 1;
    this.dirty.dag = true;
    if (backfillId !== undefined) this.dirty.backfills.add(backfillId);
    this.projecting ??= this.writeProjections().finally(() => {
      this.projecting = undefined;
    });
  }

  /**
   * Waits until what is marked now has been written (registration and API answers read the catalog
   * next) — not for marks made later by runs ending meanwhile.
   */
  private async projected(): Promise<void> {
    const mark = this.marked;
    while (this.written < mark && this.projecting) await Promise.race([this.projecting, new Promise((r) => setTimeout(r, 10))]);
  }

  /**
   * Writes the catalog's copies (what `GET /api/dags`, the minute tick and the backfill listing read),
   * at most one D1 batch per 50 ms however many runs end meanwhile. A failed write is logged: the
   * object's own alarm still runs the schedule, and the next change writes the copies again.
   */
  private async writeProjections(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    while (this.dirty.dag || this.dirty.backfills.size > 0) {
      const st = this.dag();
      const covers = this.marked;
      const backfillIds = [...this.dirty.backfills];
      this.dirty.dag = false;
      this.dirty.backfills.clear();
      const next = this.nextInterval(Date.now());
      const row = {
        dagId: st.dagId,
        appliedVersion: st.version,
        schedule: st.scheduling.schedule?.expression ?? null,
        timezone: st.scheduling.timezone,
        paused: st.paused ? 1 : 0,
        nextRunAt: next?.dataIntervalEnd ?? null,
        nextLogicalDate: next?.logicalDate ?? null,
      };
      const key = JSON.stringify(row);
      try {
        if (key !== this.lastProjected) {
          await writeDagSchedule(this.env.CATALOG, { ...row, updatedAt: Date.now() });
          this.lastProjected = key;
        }
        for (const id of backfillIds) {
          const b = this.backfills.get(id);
          if (!b) continue;
          await writeBackfill(this.env.CATALOG, this.backfillRow(b, Date.now()));
        }
      } catch (err) {
        console.error(`DAG ${st.dagId}: writing its state to the catalog failed`, err);
        this.written = covers;
        return;
      }
      this.written = covers;
    }
  }

  /** The next wake-up: the next scheduled run (unpaused), a retry of an unreachable run, backfill work. */
  private async armAlarm(): Promise<void> {
    const st = this.dag();
    const now = Date.now();
    const times: number[] = [];
    const next = st.paused ? undefined : this.nextInterval(now);
    if (next && next.dataIntervalEnd > now) times.push(next.dataIntervalEnd);
    for (const r of this.active.values()) if (r.pending !== undefined) times.push(r.retryAt ?? now);
    for (const b of this.events.batches()) times.push(b.closesAt);
    if (times.length === 0) return;
    const at = Math.max(now, Math.min(...times));
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > at || this.alarmAt < now) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    }
  }
}
