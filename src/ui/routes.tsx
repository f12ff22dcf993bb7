import { Hono } from "hono";
import { html } from "hono/html";
import { UI_PAGES } from "./pages";
import { Shell } from "./shell";

/**
 * Content-Security-Policy of the UI's pages: scripts only from this origin (the token sits in
 * sessionStorage, so injected script is what must never run); API calls to this origin only.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The web UI's HTML shells, one route per page of `UI_PAGES`; the islands are static assets. */
export const uiApp = new Hono<{ Bindings: Env }>();

for (const page of UI_PAGES) {
  uiApp.get(page.path, (c) => {
    c.header("content-security-policy", CSP);
    c.header("referrer-policy", "no-referrer");
    c.header("x-content-type-options", "nosniff");
    c.header("cache-control", "no-store");
    return c.html(html`<!DOCTYPE html>${<Shell page={page} params={c.req.param() as Record<string, string>} />}`);
  });
}
