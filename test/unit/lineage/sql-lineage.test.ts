import { describe, expect, it } from "vitest";
import { edgeLines, lineageOf, RESULT } from "./sql-helpers";

describe("SELECT (into the task's result)", () => {
  it("identity, transformation, aggregation and COUNT(*) against the rows", () => {
    const l = lineageOf(
      "SELECT country, UPPER(country) AS c, quantity * unit_price AS total, COUNT(*) AS n, SUM(quantity) AS q FROM sales GROUP BY country",
    );
    expect(l.inputs).toEqual(["d1://sales"]);
    expect(l.outputs).toEqual([RESULT]);
    expect(edgeLines(l.edges)).toEqual([
      "sales.* -> result.n DIRECT/AGGREGATION",
      "sales.country -> result.* INDIRECT/GROUP_BY",
      "sales.country -> result.c DIRECT/TRANSFORMATION",
      "sales.country -> result.country DIRECT/IDENTITY",
      "sales.quantity -> result.q DIRECT/AGGREGATION",
      "sales.quantity -> result.total DIRECT/TRANSFORMATION",
      "sales.unit_price -> result.total DIRECT/TRANSFORMATION",
    ]);
    expect(l.complete).toBe(true);
  });

  it("WHERE and HAVING filter, ORDER BY sorts, CASE conditions are conditional", () => {
    const l = lineageOf(
      "SELECT region, CASE WHEN amount > 100 THEN 'big' ELSE label END AS size FROM orders WHERE status = 'paid' GROUP BY region, size HAVING COUNT(*) > 1 ORDER BY created_at",
    );
    expect(edgeLines(l.edges)).toEqual([
      "orders.* -> result.* INDIRECT/FILTER",
      "orders.amount -> result.* INDIRECT/GROUP_BY",
      "orders.amount -> result.size INDIRECT/CONDITIONAL",
      "orders.created_at -> result.* INDIRECT/SORT",
      "orders.label -> result.* INDIRECT/GROUP_BY",
      "orders.label -> result.size DIRECT/TRANSFORMATION",
      "orders.region -> result.* INDIRECT/GROUP_BY",
      "orders.region -> result.region DIRECT/IDENTITY",
      "orders.status -> result.* INDIRECT/FILTER",
    ]);
  });

  it("window functions: PARTITION BY / ORDER BY of inline and named windows, and an aggregate's FILTER", () => {
    const l = lineageOf(
      "SELECT SUM(amount) FILTER (WHERE ok) OVER w AS running, ROW_NUMBER() OVER (PARTITION BY region ORDER BY day) AS rn FROM sales WINDOW w AS (PARTITION BY shop ORDER BY day ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
    );
    expect(edgeLines(l.edges)).toEqual([
      "sales.amount -> result.running DIRECT/AGGREGATION",
      "sales.day -> result.rn INDIRECT/WINDOW",
      "sales.day -> result.running INDIRECT/WINDOW",
      "sales.ok -> result.running INDIRECT/FILTER",
      "sales.region -> result.rn INDIRECT/WINDOW",
      "sales.shop -> result.running INDIRECT/WINDOW",
    ]);
  });

  it("names an unaliased expression column by its text, as SQLite does", () => {
    const l = lineageOf("SELECT count(*), max(a, b) FROM t");
    expect(edgeLines(l.edges)).toEqual([
      "t.* -> result.count(*) DIRECT/AGGREGATION",
      "t.a -> result.max(a, b) DIRECT/TRANSFORMATION",
      "t.b -> result.max(a, b) DIRECT/TRANSFORMATION",
    ]);
  });

  it("only the last statement's SELECT is the task's result; earlier ones only read", () => {
    const l = lineageOf(["SELECT a FROM t", "SELECT b FROM s"]);
    expect(l.inputs).toEqual(["d1://t", "d1://s"]);
    expect(edgeLines(l.edges)).toEqual(["s.b -> result.b DIRECT/IDENTITY"]);
  });

  it("templates are bound parameters: the statement with `{{ }}` is analysed as with `?`", () => {
    const l = lineageOf("SELECT id FROM orders WHERE region = {{ params.region }} AND day >= {{ logicalDate }}");
    expect(edgeLines(l.edges)).toEqual([
      "orders.day -> result.* INDIRECT/FILTER",
      "orders.id -> result.id DIRECT/IDENTITY",
      "orders.region -> result.* INDIRECT/FILTER",
    ]);
  });
});

describe("joins", () => {
  it("ON keys are JOIN edges; aliases resolve to their tables", () => {
    const l = lineageOf("SELECT o.id, u.full_name FROM orders o LEFT JOIN users AS u ON u.id = o.user_id");
    expect(l.inputs).toEqual(["d1://orders", "d1://users"]);
    expect(edgeLines(l.edges)).toEqual([
      "orders.id -> result.id DIRECT/IDENTITY",
      "orders.user_id -> result.* INDIRECT/JOIN",
      "users.full_name -> result.full_name DIRECT/IDENTITY",
      "users.id -> result.* INDIRECT/JOIN",
    ]);
  });

  it("USING keys come from both sides, and the unqualified key then means the left one", () => {
    const l = lineageOf("SELECT user_id, name FROM orders JOIN users USING (user_id)", {
      orders: ["id", "user_id"],
      users: ["user_id", "name"],
    });
    expect(edgeLines(l.edges)).toEqual([
      "orders.user_id -> result.* INDIRECT/JOIN",
      "orders.user_id -> result.user_id DIRECT/IDENTITY",
      "users.name -> result.name DIRECT/IDENTITY",
      "users.user_id -> result.* INDIRECT/JOIN",
    ]);
  });

  it("NATURAL joins on the columns both tables have, once their columns are known", () => {
    const columns = { a: ["k", "x"], b: ["k", "y"] };
    expect(edgeLines(lineageOf("SELECT x, y FROM a NATURAL JOIN b", columns).edges)).toEqual([
      "a.k -> result.* INDIRECT/JOIN",
      "a.x -> result.x DIRECT/IDENTITY",
      "b.k -> result.* INDIRECT/JOIN",
      "b.y -> result.y DIRECT/IDENTITY",
    ]);
    const unknown = lineageOf("SELECT a.x FROM a NATURAL JOIN b");
    expect(unknown.needsColumns.sort()).toEqual(["a", "b"]);
    expect(unknown.complete).toBe(false);
  });

  it("an unqualified column among several tables is resolved with their columns, or asked for", () => {
    const sql = "SELECT amount FROM orders o JOIN line_items li ON li.order_id = o.id";
    const known = lineageOf(sql, { orders: ["id"], line_items: ["order_id", "amount"] });
    expect(edgeLines(known.edges)).toContain("line_items.amount -> result.amount DIRECT/IDENTITY");
    expect(known.complete).toBe(true);
    const unknown = lineageOf(sql);
    expect(edgeLines(unknown.edges)).not.toContain("line_items.amount -> result.amount DIRECT/IDENTITY");
    expect(unknown.needsColumns.sort()).toEqual(["line_items", "orders"]);
    expect(unknown.complete).toBe(false);
  });
});

describe("subqueries and CTEs resolve to the real tables", () => {
  it("a subquery in FROM: its columns, its filter, never its alias as a dataset", () => {
    const l = lineageOf("SELECT s.total * 2 AS doubled FROM (SELECT SUM(amount) AS total FROM line_items WHERE ok) AS s");
    expect(l.inputs).toEqual(["d1://line_items"]);
    expect(edgeLines(l.edges)).toEqual([
      "line_items.amount -> result.doubled DIRECT/AGGREGATION",
      "line_items.ok -> result.* INDIRECT/FILTER",
    ]);
  });

  it("scalar, IN and EXISTS subqueries", () => {
    const l = lineageOf(
      "SELECT (SELECT MAX(price) FROM prices p WHERE p.sku = o.sku) AS top FROM orders o WHERE o.user_id IN (SELECT id FROM vip) AND EXISTS (SELECT 1 FROM paid WHERE paid.order_id = o.id)",
    );
    expect(l.inputs.sort()).toEqual(["d1://orders", "d1://paid", "d1://prices", "d1://vip"]);
    expect(edgeLines(l.edges)).toEqual([
      "orders.id -> result.* INDIRECT/FILTER",
      "orders.sku -> result.top INDIRECT/FILTER",
      "orders.user_id -> result.* INDIRECT/FILTER",
      "paid.order_id -> result.* INDIRECT/FILTER",
      "prices.price -> result.top DIRECT/AGGREGATION",
      "prices.sku -> result.top INDIRECT/FILTER",
      "vip.id -> result.* INDIRECT/FILTER",
    ]);
  });

  it("CTEs reading CTEs, and a UNION of two tables", () => {
    const l = lineageOf(
      "WITH a AS (SELECT id, amount FROM eu UNION ALL SELECT id, amount FROM us), b AS (SELECT id, amount * 1.2 AS gross FROM a) SELECT id, gross FROM b",
    );
    expect(l.inputs.sort()).toEqual(["d1://eu", "d1://us"]);
    expect(edgeLines(l.edges)).toEqual([
      "eu.amount -> result.gross DIRECT/TRANSFORMATION",
      "eu.id -> result.id DIRECT/IDENTITY",
      "us.amount -> result.gross DIRECT/TRANSFORMATION",
      "us.id -> result.id DIRECT/IDENTITY",
    ]);
  });

  it("a recursive CTE reads its base table, not itself", () => {
    const l = lineageOf(
      "WITH RECURSIVE tree(id, parent) AS (SELECT id, parent_id FROM nodes WHERE parent_id IS NULL UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN tree t ON n.parent_id = t.id) SELECT id FROM tree",
    );
    expect(l.inputs).toEqual(["d1://nodes"]);
    expect(edgeLines(l.edges)).toContain("nodes.id -> result.id DIRECT/IDENTITY");
    expect(l.edges.every((e) => e.from.dataset === "d1://nodes")).toBe(true);
  });
});

describe("the three known OpenLineage parser failures", () => {
  it("#3809: SELECT * from a subquery still has column lineage", () => {
    const l = lineageOf("INSERT INTO out SELECT * FROM (SELECT id, name FROM users WHERE active)", { out: ["user_id", "user_name"] });
    expect(edgeLines(l.edges)).toEqual([
      "users.active -> out.* INDIRECT/FILTER",
      "users.id -> out.user_id DIRECT/IDENTITY",
      "users.name -> out.user_name DIRECT/IDENTITY",
    ]);
    expect(l.complete).toBe(true);
  });

  it("#3374: under a WITH nested inside a CTE, the sources are real tables, never the CTE alias", () => {
    const l = lineageOf(
      "WITH outer_cte AS (WITH inner_cte AS (SELECT id, v FROM raw_events) SELECT id, v FROM inner_cte) SELECT v FROM outer_cte",
    );
    expect(l.inputs).toEqual(["d1://raw_events"]);
    expect(edgeLines(l.edges)).toEqual(["raw_events.v -> result.v DIRECT/IDENTITY"]);
  });

  it("#2932: a chain of CTEs is traced to its table", () => {
    const l = lineageOf(
      "WITH a AS (SELECT amount FROM payments), b AS (SELECT amount AS x FROM a), c AS (SELECT x + 1 AS y FROM b) INSERT INTO totals (total) SELECT SUM(y) FROM c",
    );
    expect(l.inputs).toEqual(["d1://payments"]);
    expect(l.outputs).toEqual(["d1://totals"]);
    expect(edgeLines(l.edges)).toEqual(["payments.amount -> totals.total DIRECT/AGGREGATION"]);
  });
});

describe("SELECT * expansion", () => {
  it("expands * (also inside a CTE and from a subquery) against the tables' columns", () => {
    const l = lineageOf("CREATE TABLE copy AS WITH c AS (SELECT * FROM src) SELECT * FROM (SELECT * FROM c)", { src: ["a", "b"] });
    expect(edgeLines(l.edges)).toEqual(["src.a -> copy.a DIRECT/IDENTITY", "src.b -> copy.b DIRECT/IDENTITY"]);
    expect(l.complete).toBe(true);
  });

  it("without the columns, records what is known and names the tables whose columns would complete it", () => {
    const sql = "INSERT INTO out SELECT *, 1 FROM src WHERE day = ?";
    const before = lineageOf(sql);
    expect(edgeLines(before.edges)).toEqual(["src.day -> out.* INDIRECT/FILTER"]);
    expect(before.needsColumns.sort()).toEqual(["out", "src"]);
    expect(before.complete).toBe(false);
    const after = lineageOf(sql, { src: ["a", "day"], out: ["a", "day", "one"] });
    expect(edgeLines(after.edges)).toEqual([
      "src.a -> out.a DIRECT/IDENTITY",
      "src.day -> out.* INDIRECT/FILTER",
      "src.day -> out.day DIRECT/IDENTITY",
    ]);
    expect(after.complete).toBe(true);
  });

  it("a name read through a * of a table with unknown columns is that table's column", () => {
    const l = lineageOf("SELECT x FROM (SELECT * FROM t WHERE y > 0)");
    expect(edgeLines(l.edges)).toEqual(["t.x -> result.x DIRECT/IDENTITY", "t.y -> result.* INDIRECT/FILTER"]);
  });

  it("a USING key appears once in *, so INSERT maps the rest by their real positions", () => {
    const l = lineageOf("INSERT INTO wide SELECT * FROM a JOIN b USING (k)", { a: ["k", "x"], b: ["k", "y"], wide: ["k", "x", "y"] });
    expect(edgeLines(l.edges).filter((e) => e.includes(" DIRECT/"))).toEqual([
      "a.k -> wide.k DIRECT/IDENTITY",
      "a.x -> wide.x DIRECT/IDENTITY",
      "b.y -> wide.y DIRECT/IDENTITY",
    ]);
  });

  it("a qualified star expands only that table", () => {
    const l = lineageOf("SELECT u.* FROM users u JOIN orders o ON o.user_id = u.id", { users: ["id", "name"], orders: ["user_id"] });
    expect(edgeLines(l.edges).filter((e) => !e.includes("JOIN"))).toEqual([
      "users.id -> result.id DIRECT/IDENTITY",
      "users.name -> result.name DIRECT/IDENTITY",
    ]);
  });
});

describe("writes", () => {
  it("INSERT … SELECT with a column list maps by position", () => {
    const l = lineageOf("INSERT INTO daily (day, revenue) SELECT date(created_at), SUM(amount) FROM orders GROUP BY 1");
    expect(l.outputs).toEqual(["d1://daily"]);
    expect(edgeLines(l.edges)).toEqual([
      "orders.amount -> daily.revenue DIRECT/AGGREGATION",
      "orders.created_at -> daily.* INDIRECT/GROUP_BY",
      "orders.created_at -> daily.day DIRECT/TRANSFORMATION",
    ]);
  });

  it("INSERT … SELECT without a column list uses the target's columns, or asks for them", () => {
    const sql = "INSERT INTO archive SELECT id, note FROM notes";
    expect(edgeLines(lineageOf(sql, { archive: ["note_id", "text"] }).edges)).toEqual([
      "notes.id -> archive.note_id DIRECT/IDENTITY",
      "notes.note -> archive.text DIRECT/IDENTITY",
    ]);
    const unknown = lineageOf(sql);
    expect(unknown.edges).toEqual([]);
    expect(unknown.inputs).toEqual(["d1://notes"]);
    expect(unknown.needsColumns).toEqual(["archive"]);
  });

  it("INSERT … VALUES writes the table and reads nothing; an upsert's DO UPDATE reads `excluded`", () => {
    const plain = lineageOf("INSERT OR REPLACE INTO counters (name, n) VALUES (?, 1)");
    expect(plain).toMatchObject({ inputs: [], outputs: ["d1://counters"], edges: [], complete: true });
    expect(lineageOf("INSERT INTO log DEFAULT VALUES")).toMatchObject({ outputs: ["d1://log"], needsColumns: [], complete: true });
    const withSubquery = lineageOf("INSERT INTO audit (n) VALUES ((SELECT COUNT(*) FROM users))");
    expect(edgeLines(withSubquery.edges)).toEqual(["users.* -> audit.n DIRECT/AGGREGATION"]);
    const upsert = lineageOf(
      "INSERT INTO stock (sku, qty) SELECT sku, qty FROM deliveries ON CONFLICT (sku) DO UPDATE SET qty = stock.qty + excluded.qty",
    );
    expect(edgeLines(upsert.edges)).toEqual([
      "deliveries.qty -> stock.qty DIRECT/IDENTITY",
      "deliveries.qty -> stock.qty DIRECT/TRANSFORMATION",
      "deliveries.sku -> stock.sku DIRECT/IDENTITY",
      "stock.qty -> stock.qty DIRECT/TRANSFORMATION",
    ]);
  });

  it("CREATE TABLE … AS SELECT and CREATE VIEW (with a column list)", () => {
    const ctas = lineageOf("CREATE TABLE big AS SELECT id, amount FROM orders WHERE amount > 100");
    expect(ctas.outputs).toEqual(["d1://big"]);
    expect(edgeLines(ctas.edges)).toEqual([
      "orders.amount -> big.* INDIRECT/FILTER",
      "orders.amount -> big.amount DIRECT/IDENTITY",
      "orders.id -> big.id DIRECT/IDENTITY",
    ]);
    const view = lineageOf("CREATE VIEW IF NOT EXISTS names (user_id, label) AS SELECT id, lower(name) FROM users");
    expect(view.outputs).toEqual(["d1://names"]);
    expect(edgeLines(view.edges)).toEqual([
      "users.id -> names.user_id DIRECT/IDENTITY",
      "users.name -> names.label DIRECT/TRANSFORMATION",
    ]);
  });

  it("CREATE TABLE with columns writes the table and has no edges", () => {
    expect(lineageOf("CREATE TABLE IF NOT EXISTS t (n INTEGER) STRICT")).toMatchObject({ inputs: [], outputs: ["d1://t"], edges: [], complete: true });
  });

  it("UPDATE … SET with a correlated subquery, the row's own columns and the WHERE", () => {
    const l = lineageOf(
      "UPDATE accounts SET balance = (SELECT SUM(amount) FROM ledger WHERE ledger.account_id = accounts.id), touched = touched + 1 WHERE active = 1",
    );
    expect(l.outputs).toEqual(["d1://accounts"]);
    expect(l.inputs.sort()).toEqual(["d1://accounts", "d1://ledger"]);
    expect(edgeLines(l.edges)).toEqual([
      "accounts.active -> accounts.balance INDIRECT/FILTER",
      "accounts.active -> accounts.touched INDIRECT/FILTER",
      "accounts.id -> accounts.balance INDIRECT/FILTER",
      "accounts.touched -> accounts.touched DIRECT/TRANSFORMATION",
      "ledger.account_id -> accounts.balance INDIRECT/FILTER",
      "ledger.amount -> accounts.balance DIRECT/AGGREGATION",
    ]);
  });

  it("UPDATE … FROM and a tuple assignment from a subquery", () => {
    const from = lineageOf("UPDATE t SET price = s.price FROM s WHERE s.sku = t.sku");
    expect(edgeLines(from.edges)).toEqual([
      "s.price -> t.price DIRECT/IDENTITY",
      "s.sku -> t.price INDIRECT/FILTER",
      "t.sku -> t.price INDIRECT/FILTER",
    ]);
    const tuple = lineageOf("UPDATE t SET (a, b) = (SELECT x, y FROM s)");
    expect(edgeLines(tuple.edges)).toEqual(["s.x -> t.a DIRECT/IDENTITY", "s.y -> t.b DIRECT/IDENTITY"]);
  });

  it("DELETE: the WHERE (and its subquery) decides the table's rows", () => {
    const l = lineageOf("DELETE FROM sessions WHERE user_id IN (SELECT id FROM banned) OR expires_at < ?");
    expect(l.outputs).toEqual(["d1://sessions"]);
    expect(l.inputs.sort()).toEqual(["d1://banned", "d1://sessions"]);
    expect(edgeLines(l.edges)).toEqual([
      "banned.id -> sessions.* INDIRECT/FILTER",
      "sessions.expires_at -> sessions.* INDIRECT/FILTER",
      "sessions.user_id -> sessions.* INDIRECT/FILTER",
    ]);
  });

  it("a WITH before INSERT, UPDATE or DELETE is in scope for it", () => {
    const l = lineageOf("WITH recent AS (SELECT id FROM orders WHERE day > ?) DELETE FROM flags WHERE order_id IN (SELECT id FROM recent)");
    expect(l.inputs.sort()).toEqual(["d1://flags", "d1://orders"]);
    expect(edgeLines(l.edges)).toContain("orders.id -> flags.* INDIRECT/FILTER");
    expect(edgeLines(l.edges)).toContain("orders.day -> flags.* INDIRECT/FILTER");
  });
});

describe("what the analyser cannot handle gives table-level lineage with a reason", () => {
  it("a table-valued function", () => {
    const l = lineageOf("INSERT INTO tags (tag) SELECT j.value FROM posts, json_each(posts.tags) AS j");
    expect(l).toMatchObject({ inputs: ["d1://posts"], outputs: ["d1://tags"], edges: [], complete: false });
    expect(l.reasons[0]).toMatch(/json_each/);
  });

  it("a statement the parser rejects: its tables from the text, never a throw", () => {
    const l = lineageOf("INSERT INTO out (a) SELECT a FROM (orders) JOIN users ON users.id = orders.user_id");
    expect(l.inputs.sort()).toEqual(["d1://orders", "d1://users"]);
    expect(l.outputs).toEqual(["d1://out"]);
    expect(l.edges).toEqual([]);
    expect(l.reasons[0]).toMatch(/parser rejected/);
  });

  it("the text scan does not take an upsert's DO UPDATE SET for a table", () => {
    const l = lineageOf("INSERT INTO stock (sku) SELECT sku FROM (deliveries) ON CONFLICT (sku) DO UPDATE SET qty = qty + 1");
    expect(l.outputs).toEqual(["d1://stock"]);
    expect(l.inputs).toEqual(["d1://deliveries"]);
  });

  it("the text scan leaves CTE names out of the datasets", () => {
    const l = lineageOf("WITH recent AS (SELECT id FROM orders) INSERT INTO out (id) SELECT id FROM (recent)");
    expect(l.inputs).toEqual(["d1://orders"]);
    expect(l.outputs).toEqual(["d1://out"]);
    expect(l.reasons[0]).toMatch(/parser rejected/);
  });

  it("a CTE's MATERIALIZED hint, which the parser lacks, does not cost the lineage", () => {
    const l = lineageOf("WITH x AS NOT MATERIALIZED (SELECT a FROM t) SELECT a FROM x LIMIT (SELECT n FROM settings)");
    expect(l.complete).toBe(true);
    expect(l.inputs).toEqual(["d1://t", "d1://settings"]);
    expect(edgeLines(l.edges)).toEqual(["settings.n -> result.* INDIRECT/FILTER", "t.a -> result.a DIRECT/IDENTITY"]);
  });

  it("one bad statement does not cost the others their lineage", () => {
    const l = lineageOf(["INSERT INTO a (x) SELECT x FROM b", "THIS IS NOT SQL"]);
    expect(edgeLines(l.edges)).toEqual(["b.x -> a.x DIRECT/IDENTITY"]);
    expect(l.complete).toBe(false);
    expect(l.reasons).toHaveLength(1);
  });
});

describe("the issue's example: raw → staging → orders_enriched", () => {
  it("traces user_name to users.full_name and total_amount to SUM(line_items.amount)", () => {
    const stage = lineageOf(
      "CREATE TABLE stg_orders AS SELECT o.id AS order_id, o.user_id, u.full_name FROM orders o JOIN users u ON u.id = o.user_id",
    );
    expect(stage.inputs).toEqual(["d1://orders", "d1://users"]);
    expect(edgeLines(stage.edges).filter((e) => e.endsWith(" DIRECT/IDENTITY"))).toEqual([
      "orders.id -> stg_orders.order_id DIRECT/IDENTITY",
      "orders.user_id -> stg_orders.user_id DIRECT/IDENTITY",
      "users.full_name -> stg_orders.full_name DIRECT/IDENTITY",
    ]);
    const enrich = lineageOf(
      "INSERT INTO orders_enriched (order_id, user_name, total_amount) SELECT s.order_id, s.full_name, SUM(li.amount) FROM stg_orders s JOIN line_items li ON li.order_id = s.order_id GROUP BY s.order_id, s.full_name",
    );
    expect(enrich.inputs).toEqual(["d1://stg_orders", "d1://line_items"]);
    expect(enrich.outputs).toEqual(["d1://orders_enriched"]);
    expect(edgeLines(enrich.edges)).toEqual([
      "line_items.amount -> orders_enriched.total_amount DIRECT/AGGREGATION",
      "line_items.order_id -> orders_enriched.* INDIRECT/JOIN",
      "stg_orders.full_name -> orders_enriched.* INDIRECT/GROUP_BY",
      "stg_orders.full_name -> orders_enriched.user_name DIRECT/IDENTITY",
      "stg_orders.order_id -> orders_enriched.* INDIRECT/GROUP_BY",
      "stg_orders.order_id -> orders_enriched.* INDIRECT/JOIN",
      "stg_orders.order_id -> orders_enriched.order_id DIRECT/IDENTITY",
    ]);
  });
});
