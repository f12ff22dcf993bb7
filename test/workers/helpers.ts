import { exports } from "cloudflare:workers";

export const TOKEN = "test-token";

/** Calls the Worker's HTTP API as a user would. */
export async function api(path: string, init: RequestInit & { json?: unknown; token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers.set("content-type", "application/json");
  }
  const res = await exports.default.fetch(`http://switchyard.test${path}`, { ...init, headers, body });
  const text = await res.text();
  let data: any = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: data };
}

export async function registerDag(dagId: string, spec: unknown) {
  const res = await api(`/api/dags/${dagId}`, { method: "PUT", json: spec });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register failed: ${JSON.stringify(res.body)}`);
  return res.body as { dagId: string; version: number };
}

export async function trigger(dagId: string, body: unknown = {}) {
  const res = await api(`/api/dags/${dagId}/runs`, { method: "POST", json: body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`trigger failed: ${JSON.stringify(res.body)}`);
  return res.body as { runId: string; status: string };
}

const FINISHED = new Set(["success", "failed", "cancelled"]);

/** Polls a run until it ends (the queue consumer runs in the background). */
export async function waitForRun(runId: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(`/api/runs/${runId}`);
    if (res.status !== 200) throw new Error(`GET run: ${res.status} ${JSON.stringify(res.body)}`);
    if (FINISHED.has(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${res.body.status}: ${JSON.stringify(res.body.tasks)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function taskOf(run: any, taskId: string): any {
  return run.tasks.find((t: any) => t.taskId === taskId);
}

/** Polls `probe` until it answers something other than undefined (or fails after `timeoutMs`). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
