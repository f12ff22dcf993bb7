/**
 * The web UI's pages: each is a server-rendered shell (src/ui/shell.tsx) at `path` that loads
 * one client island, `src/ui/client/pages/<entry>.tsx`. A new page is its island file plus one
 * line here.
 */
export interface UiPage {
  path: string;
  /** The client entry (file name in src/ui/client/pages/ without `.tsx`). */
  entry: string;
  /** The document title, from the path's params. */
  title: (params: Record<string, string>) => string;
  /** Where the page sits in the navigation (the nav highlights it). */
  section: UiSection;
}

/** The main navigation, in order. */
export const UI_SECTIONS = [
  { section: "dags", href: "/", text: "DAGs" },
  { section: "pools", href: "/pools", text: "Pools" },
  { section: "datasets", href: "/datasets", text: "Datasets" },
  { section: "lineage", href: "/lineage", text: "Lineage" },
] as const;
export type UiSection = (typeof UI_SECTIONS)[number]["section"];

export const UI_PAGES: readonly UiPage[] = [
  { path: "/", entry: "dags", title: () => "DAGs", section: "dags" },
  { path: "/dags/:dagId", entry: "dag", title: (p) => `${p.dagId ?? ""} · DAG`, section: "dags" },
  { path: "/dags/:dagId/trigger", entry: "trigger", title: (p) => `Trigger ${p.dagId ?? ""}`, section: "dags" },
  { path: "/dags/:dagId/backfill", entry: "backfill-new", title: (p) => `Backfill ${p.dagId ?? ""}`, section: "dags" },
  { path: "/backfills/:backfillId", entry: "backfill", title: (p) => `Backfill ${p.backfillId ?? ""}`, section: "dags" },
  { path: "/runs/:runId", entry: "run", title: () => "Run", section: "dags" },
  { path: "/pools", entry: "pools", title: () => "Pools", section: "pools" },
  { path: "/datasets", entry: "datasets", title: () => "Datasets", section: "datasets" },
  { path: "/lineage", entry: "lineage", title: () => "Lineage", section: "lineage" },
];
