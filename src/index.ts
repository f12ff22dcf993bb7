import { Hono } from "hono";
import { bearerToken } from "./api/auth";
import { backfillsApi } from "./api/backfills";
import { dagsApi } from "./api/dags";
import { demoApi } from "./api/demo";
import { notFound, onError } from "./api/errors";
import { lineageApi, openLineageApi } from "./api/lineage";
import { poolsApi } from "./api/pools";
import { runsApi } from "./api/runs";
import { forwardOpenLineage } from "./lineage/openlineage-forwarder";
import { consumeTasks } from "./queue/consumer";
import { tickDueDags } from "./triggers/cron-tick";

export { DagCoordinator } from "./dags/dag-coordinator";
export { PoolCoordinator } from "./pools/pool-coordinator";
export { PoolRegistry } from "./pools/pool-registry";
export { RunCoordinator } from "./run/coordinator/run-coordinator";

/** The composition root: HTTP API, queue consumer and the minute cron tick. */
export const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));
app.route("/demo", demoApi);
app.use("/api/*", bearerToken());
app.route("/api/dags", dagsApi);
app.route("/api/runs", runsApi);
app.route("/api/backfills", backfillsApi);
app.route("/api/pools", poolsApi);
app.route("/api/lineage", lineageApi);
app.route("/api/openlineage", openLineageApi);
app.notFound(notFound);
app.onError(onError);

export default {
  fetch: app.fetch,
  async queue(batch, env): Promise<void> {
    await consumeTasks(batch, env);
  },
  async scheduled(controller, env): Promise<void> {
    // Alongside the tick, not before it: a slow lineage target never delays a schedule.
    const forwarding = forwardOpenLineage(env).catch((err: unknown) => console.error("OpenLineage forwarding failed", err));
    await tickDueDags(env, controller.scheduledTime);
    await forwarding;
  },
} satisfies ExportedHandler<Env>;
