import { Hono } from "hono";

/**
 * Endpoints for the example DAGs and the walk-through, so they run offline.
 * `/demo/flaky?failures=N` fails (503) while the caller's attempt number
 * (the X-Switchyard-Attempt header every http task sends) is ≤ N.
 * `/demo/hook` receives failure alerts; `/demo/orders` serves a small order list.
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
  .get("/orders", (c) =>
    c.json({ orders: [{ id: 1, amount: 42.5 }, { id: 2, amount: 17 }, { id: 3, amount: 99.99 }] }),
  );
