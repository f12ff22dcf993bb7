import { Hono } from "hono";

/**
 * Endpoints for the example DAGs and the walk-through, so they run offline.
 * `/demo/flaky?failures=N` fails (503) while the caller's attempt number
 * (the X-Switchyard-Attempt header every http task sends) is ≤ N.
 * `/demo/hook` receives failure alerts; `/demo/orders` serves a small order list;
 * `/demo/slow?ms=N` answers after N ms (at most 60 s), like a slow service.
 */
export const demoApi = new Hono<{ Bindings: Env }>()
  .get("/flaky", (c) => {
    const failures = Number(c.req.query("failures") ?? "2");
    const attempt = Number(c.req.header("x-switchyard-attempt") ?? "1");
    if (attempt <= failures) return c.json({ error: `planned failure ${attempt} of ${failures}` }, 503);
    return c.json({ ok: true, attempt });
  })
  .post("/hook", async (c) => {
    // Receives failure alerts of the example DAGs; `wrangler dev` prints them.
    console.log("demo webhook received:", await c.req.text());
    return c.json({ received: true });
  })
  .get("/slow", async (c) => {
    const ms = Math.min(60_000, Math.max(0, Number(c.req.query("ms") ?? "300") || 0));
    await new Promise((r) => setTimeout(r, ms));
    return c.json({ sleptMs: ms });
  })
  .get("/orders", (c) =>
    c.json({ orders: [{ id: 1, amount: 42.5 }, { id: 2, amount: 17 }, { id: 3, amount: 99.99 }] }),
  );
