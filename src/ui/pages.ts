/**
 * The web UI's pages: each is a server-rendered shell (src/ui/shell.tsx) at `path` that loads
 * one client island, `src/ui/client/pages/<entry>.tsx`. A new page (schedules, backfills,
 * pools, lineage, …) is its island file plus one line here.
 */
export interface UiPage {
  path: string;
  /** The client entry (file name in src/ui/client/pages/ without `.tsx`). */
  entry: string;
  /** The document title, from the path's params. */
  title: (params: Record<string, string>) => string;
  /** Where the page sits in the navigation (the nav highlights it). */
  section: "dags";
}

export const UI_PAGES: readonly UiPage[] = [
  { path: "/", entry: "dags", title: () => "DAGs", section: "dags" },
  { path: "/dags/:dagId", entry: "dag", title: (p) => `${p.dagId ?? ""} · DAG`, section: "dags" },
  { path: "/dags/:dagId/trigger", entry: "trigger", title: (p) => `Trigger ${p.dagId ?? ""}`, section: "dags" },
  { path: "/runs/:runId", entry: "run", title: () => "Run", section: "dags" },
];
