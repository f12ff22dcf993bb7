import { Hono } from "hono";
import { bearerToken } from "./api/auth";
import { backfillsApi } from "./api/backfills";
import { dagsApi } from "./api/dags";
import { gridApi } from "./api/grid";
import { demoApi } from "./api/demo";
import { devApi } from "./api/dev";
import { datasetsApi } from "./api/datasets";
import { hooksApi } from "./api/hooks";
import { notFound, onError } from "./api/errors";
import { lineageApi, openLineageApi } from "./api/lineage";
import { poolsApi } from "./api/pools";
import { runsApi } from "./api/runs";
import { forwardOpenLineage } from "./lineage/openlineage-forwarder";
import { consumeTasks } from "./queue/consumer";
import { consumeEvents } from "./queue/events-consumer";
import { tickDueDags } from "./triggers/cron-tick";
import { uiApp } from "./ui/routes";

export { DagCoordinator } from "./dags/dag-coordinator";
export { PoolCoordinator } from "./pools/pool-coordinator";
export { PoolRegistry } from "./pools/pool-registry";
export { RunCoordinator } from "./run/coordinator/run-coordinator";

/** The composition root: HTTP API, queue consumer and the minute cron tick. */
export const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));
app.route("/demo", demoApi);
// Signed webhooks: the signature is the credential, no API token.
app.route("/hooks", hooksApi);
app.use("/api/*", bearerToken());

/** The JSON API, chained so its routes' types add up to `AppType`. */
const api = app
  .route("/api/dags", dagsApi)
  .route("/api/dags", gridApi)
  .route("/api/runs", runsApi)
  .route("/api/backfills", backfillsApi)
  .route("/api/pools", poolsApi)
  .route("/api/datasets", datasetsApi)
  .route("/api/lineage", lineageApi)
  .route("/api/openlineage", openLineageApi)
  .route("/api/dev", devApi);
/** The API's route types: `hc<AppType>` (hono/client) is the web UI's typed client. */
export type AppType = typeof api;

app.route("/", uiApp);
app.notFound(notFound);
app.onError(onError);

export default {
  fetch: app.fetch,
  async queue(batch, env): Promise<void> {
    // One Worker consumes both queues: task attempts, and R2 event notifications.
    if (batch.queue.startsWith("switchyard-events")) await consumeEvents(batch, env);
    else await consumeTasks(batch, env);
  },
  async scheduled(controller, env): Promise<void> {
    // Alongside the tick, not before it: a slow lineage target never delays a schedule.
    const forwarding = forwardOpenLineage(env).catch((err: unknown) => console.error("OpenLineage forwarding failed", err));
    await tickDueDags(env, controller.scheduledTime);
    await forwarding;
  },
} satisfies ExportedHandler<Env>;
