import { dagFor } from "../dags/client";
import { dagsNeedingTick } from "../db/dag-schedules";

/** DAGs woken per minute tick; more wait for the next (each DAG's own alarm is the primary clock). */
const MAX_DAGS_PER_TICK = 5_000;
/** DAG objects called at once. */
const CONCURRENCY = 50;

/**
 * The one `* * * * *` Cron Trigger: wakes the DAGs whose next scheduled run is due (or whose new
 * version their object has not applied), an indexed lookup whose cost grows with the DAGs due, not
 * with the DAGs registered. Each DAG object's alarm normally starts runs on time; this repairs a
 * lost alarm or a registration whose object could not be reached. Waking a DAG twice is harmless:
 * run ids come from (dagId, logicalDate).
 */
export async function tickDueDags(env: Env, now: number): Promise<{ woken: number; failed: number }> {
  const dagIds = await dagsNeedingTick(env.CATALOG, now, MAX_DAGS_PER_TICK);
  let failed = 0;
  for (let i = 0; i < dagIds.length; i += CONCURRENCY) {
    await Promise.all(
      dagIds.slice(i, i + CONCURRENCY).map((dagId) =>
        dagFor(env, dagId)
          .tick(dagId)
          .catch((err: unknown) => {
            failed += 1;
            console.error(`cron tick: DAG ${dagId} could not be woken`, err);
          }),
      ),
    );
  }
  return { woken: dagIds.length - failed, failed };
}
