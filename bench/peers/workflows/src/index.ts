// Switchyard bench — Cloudflare Workflows as a peer: one step.do per task (a no-op that
// returns Date.now()), parallel tasks through Promise.all, a task's step starting once
// the steps it depends on have resolved.
//
// HTTP API (see bench/README.md):
//   GET  /health                 -> 200 "ok"
//   POST /run {deps}             -> 201 {id}           deps[i] = indices task i waits for
//   GET  /run/:id                -> {done, ok, startedAt, endedAt, createdAt, lastStepAt}
//   GET  /run/:id?verify=1       -> the same plus {status} from instance.status() (slow under load)
import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";
import type { WorkflowEvent, WorkflowStep } from "cloudflare:workers";

interface Params {
  deps: number[][];
}

interface Env {
  FLOW: Workflow<Params>;
  RESULTS: DurableObjectNamespace<Results>;
}

interface Timing {
  createdAt: number; // event.timestamp: when the instance was created
  startedAt: number; // when run() began
  lastStepAt: number; // the latest Date.now() returned by a task step
  endedAt: number; // when every step had resolved
}

export class BenchFlow extends WorkflowEntrypoint<Env, Params> {
  override async run(event: Readonly<WorkflowEvent<Params>>, step: WorkflowStep): Promise<Timing> {
    const startedAt = Date.now();
    const deps = event.payload.deps;
    const done: Promise<number>[] = [];
    for (let i = 0; i < deps.length; i++) {
      const before = deps[i]!.map((d) => done[d]!);
      done[i] = Promise.all(before).then(() => step.do(`t${i}`, async () => Date.now()));
    }
    const stepTimes = await Promise.all(done);
    const timing: Timing = {
      createdAt: event.timestamp.getTime(),
      startedAt,
      lastStepAt: Math.max(...stepTimes),
      endedAt: Date.now(),
    };
    // Outside a step on purpose: not a task, and harmless if replayed.
    await this.env.RESULTS.get(this.env.RESULTS.idFromName(event.instanceId)).finish(timing);
    return timing;
  }
}

export class Results extends DurableObject<Env> {
  async finish(t: Timing): Promise<void> {
    await this.ctx.storage.put("timing", t);
  }
  async get(): Promise<Timing | undefined> {
    return this.ctx.storage.get<Timing>("timing");
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
      const body = (await req.json()) as Partial<Params>;
      if (!Array.isArray(body.deps)) return json({ error: "body must be {deps: number[][]}" }, 400);
      const instance = await env.FLOW.create({ params: { deps: body.deps } });
      return json({ id: instance.id }, 201);
    }
    const m = /^\/run\/([A-Za-z0-9_-]{1,100})$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      const id = m[1]!;
      const timing = await env.RESULTS.get(env.RESULTS.idFromName(id)).get();
      const out: Record<string, unknown> = { done: timing !== undefined, ok: timing !== undefined, ...timing };
      if (url.searchParams.has("verify")) {
        const st = await (await env.FLOW.get(id)).status();
        out.status = st.status;
        if (st.error) out.error = st.error;
        if (st.status === "errored" || st.status === "terminated") {
          out.done = true;
          out.ok = false;
        } else if (timing !== undefined) {
          out.ok = st.status === "complete";
        }
      }
      return json(out);
    }
    return json({ error: "not found" }, 404);
  },
} satisfies ExportedHandler<Env>;
