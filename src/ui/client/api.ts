import { hc } from "hono/client";
import type { AppType } from "../../index";
import { clearToken, getToken } from "./session";

/** An error answer of the API: `{ error: { code, message, issues? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** The typed client of the JSON API (the same API curl uses), with the session's token. */
export const api = hc<AppType>(location.origin, {
  headers: (): Record<string, string> => {
    const token = getToken();
    return token === null ? {} : { authorization: `Bearer ${token}` };
  },
});

/** A JSON body for a call whose route reads its body itself (no validator types it). */
export const jsonBody = (value: unknown): { init: RequestInit } => ({ init: { body: JSON.stringify(value) } });

/** The answer's JSON, or an ApiError; a 401 signs the tab out (the token is wrong or was rotated). */
export async function read<R extends { ok: boolean; status: number; json(): Promise<unknown> }>(
  res: R,
): Promise<Awaited<ReturnType<R["json"]>>> {
  if (res.ok) return (await res.json()) as Awaited<ReturnType<R["json"]>>;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: string; message?: string; issues?: Array<{ path: string; message: string }> } } | undefined)?.error;
  if (res.status === 401) {
    clearToken();
    location.reload();
  }
  throw new ApiError(res.status, err?.code ?? "error", err?.message ?? `HTTP ${res.status}`, err?.issues ?? []);
}

/** Checks a token against the API without storing it. */
export async function tokenWorks(token: string): Promise<boolean> {
  const res = await fetch("/api/dags", { headers: { authorization: `Bearer ${token}` } });
  return res.ok;
}

type RunAnswer = Awaited<ReturnType<typeof read<Awaited<ReturnType<(typeof api.api.runs)[":runId"]["$get"]>>>>>;
/** A run's full view (tasks, params, trigger). */
export type RunView = Extract<RunAnswer, { tasks: unknown }>;
/** A run's cheap summary (`?tasks=false`): status, times, tasks done. */
export type RunSummary = Extract<RunAnswer, { tasksDone: number }>;

export async function fetchRunView(runId: string): Promise<RunView> {
  return (await read(await api.api.runs[":runId"].$get({ param: { runId }, query: {} }))) as RunView;
}

export async function fetchRunSummary(runId: string): Promise<RunSummary> {
  return (await read(await api.api.runs[":runId"].$get({ param: { runId }, query: { tasks: "false" } }))) as RunSummary;
}
