import { Hono } from "hono";
import { bearerToken } from "./api/auth";
import { dagsApi } from "./api/dags";
import { gridApi } from "./api/grid";
import { demoApi } from "./api/demo";
import { notFound, onError } from "./api/errors";
import { runsApi } from "./api/runs";
import { consumeTasks } from "./queue/consumer";
import { uiApp } from "./ui/routes";

export { RunCoordinator } from "./run/coordinator/run-coordinator";

/** The composition root: HTTP API, queue consumer and (later) cron triggers. */
export const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));
app.route("/demo", demoApi);
app.use("/api/*", bearerToken());

/** The JSON API, chained so its routes' types add up to `AppType`. */
const api = app.route("/api/dags", dagsApi).route("/api/dags", gridApi).route("/api/runs", runsApi);
/** The API's route types: `hc<AppType>` (hono/client) is the web UI's typed client. */
export type AppType = typeof api;

app.route("/", uiApp);
app.notFound(notFound);
app.onError(onError);

export default {
  fetch: app.fetch,
  async queue(batch, env): Promise<void> {
    await consumeTasks(batch, env);
  },
} satisfies ExportedHandler<Env>;
