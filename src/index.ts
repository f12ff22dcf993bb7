import { Hono } from "hono";
import { bearerToken } from "./api/auth";
import { dagsApi } from "./api/dags";
import { demoApi } from "./api/demo";
import { notFound, onError } from "./api/errors";
import { poolsApi } from "./api/pools";
import { runsApi } from "./api/runs";
import { consumeTasks } from "./queue/consumer";

export { PoolCoordinator } from "./pools/pool-coordinator";
export { PoolRegistry } from "./pools/pool-registry";
export { RunCoordinator } from "./run/coordinator/run-coordinator";

/** The composition root: HTTP API, queue consumer and (later) cron triggers. */
export const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));
app.route("/demo", demoApi);
app.use("/api/*", bearerToken());
app.route("/api/dags", dagsApi);
app.route("/api/runs", runsApi);
app.route("/api/pools", poolsApi);
app.notFound(notFound);
app.onError(onError);

export default {
  fetch: app.fetch,
  async queue(batch, env): Promise<void> {
    await consumeTasks(batch, env);
  },
} satisfies ExportedHandler<Env>;
