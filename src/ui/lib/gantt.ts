/**
 * A run's Gantt chart as geometry: one row per task instance, one bar per attempt (a retry is a
 * bar of its own), x proportional to time from the run's first queued attempt. Works on a run in
 * progress: an attempt still running ends at `now`, one still queued is a thin bar from its
 * queue time. Pure: attempts and `now` in, bars and ticks out.
 */

export interface GanttAttempt {
  taskId: string;
  mapIndex: number | null;
  attempt: number;
  status: string;
  queuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface GanttBar {
  row: number;
  /** The task instance: `extract`, `price_each[3]`. */
  label: string;
  attempt: number;
  status: string;
  /** Left edge and width in px inside the chart area. */
  x: number;
  width: number;
  startMs: number;
  endMs: number;
  /** True while the attempt has not ended (its end is `now`). */
  open: boolean;
  text: string;
}

export interface GanttGeometry {
  rows: string[];
  bars: GanttBar[];
  ticks: Array<{ x: number; label: string }>;
  spanMs: number;
}

const MIN_BAR_PX = 3;

function instanceLabel(a: GanttAttempt): string {
  return a.mapIndex === null ? a.taskId : `${a.taskId}[${a.mapIndex}]`;
}

const ms = (t: string | null): number | null => (t === null ? null : Date.parse(t));

export function ganttGeometry(attempts: readonly GanttAttempt[], now: number, width: number): GanttGeometry {
  const timed = attempts
    .map((a) => {
      const start = ms(a.startedAt) ?? ms(a.queuedAt);
      if (start === null) return undefined;
      const ended = ms(a.endedAt);
      return { a, start, end: Math.max(start, ended ?? now), open: ended === null };
    })
    .filter((x): x is NonNullable<typeof x> => x !== undefined);
  const rows: string[] = [];
  const rowOf = new Map<string, number>();
  // Rows in order of first start, so the chart reads top-left to bottom-right.
  for (const t of [...timed].sort((p, q) => p.start - q.start || p.a.attempt - q.a.attempt)) {
    const label = instanceLabel(t.a);
    if (!rowOf.has(label)) {
      rowOf.set(label, rows.length);
      rows.push(label);
    }
  }
  if (timed.length === 0) return { rows, bars: [], ticks: [], spanMs: 0 };
  const t0 = Math.min(...timed.map((t) => t.start));
  const t1 = Math.max(...timed.map((t) => t.end));
  const spanMs = Math.max(1, t1 - t0);
  const scale = width / spanMs;
  const bars = timed.map(({ a, start, end, open }): GanttBar => {
    const label = instanceLabel(a);
    const x = (start - t0) * scale;
    const w = Math.max(MIN_BAR_PX, (end - start) * scale);
    return {
      row: rowOf.get(label) ?? 0,
      label,
      attempt: a.attempt,
      status: a.status,
      x: Math.min(x, Math.max(0, width - w)),
      width: w,
      startMs: start - t0,
      endMs: end - t0,
      open,
      text: `${label} attempt ${a.attempt}: ${a.status.replaceAll("_", " ")}, ${((end - start) / 1000).toFixed(1)} s${open ? " so far" : ""}`,
    };
  });
  return { rows, bars, ticks: timeTicks(spanMs, width), spanMs };
}

const STEPS = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

/** About six ticks at a round step, labelled as offsets from the run's start (`+2 s`, `+1 m`). */
export function timeTicks(spanMs: number, width: number): Array<{ x: number; label: string }> {
  const step = STEPS.find((s) => spanMs / s <= 6) ?? Math.ceil(spanMs / 6 / 3_600_000) * 3_600_000;
  const ticks: Array<{ x: number; label: string }> = [];
  for (let t = 0; t <= spanMs; t += step) {
    const label = t === 0 ? "0" : t < 1_000 ? `+${t} ms` : t < 60_000 ? `+${t / 1_000} s` : t < 3_600_000 ? `+${t / 60_000} m` : `+${t / 3_600_000} h`;
    ticks.push({ x: (t / spanMs) * width, label });
  }
  return ticks;
}
