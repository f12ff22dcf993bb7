import { UI_SECTIONS, type UiPage } from "./pages";

/** Where the client build puts the islands and the stylesheet (served as static assets). */
export const ASSET_BASE = "/ui";

/**
 * The HTML every page starts from: header, navigation and the element the page's island renders
 * into. The API token lives in the browser's sessionStorage, so the server renders no data: the
 * island signs in (if needed) and reads everything from the JSON API. Path params reach the island
 * as `data-*` attributes.
 */
export function Shell(props: { page: UiPage; params: Record<string, string> }) {
  const { page, params } = props;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) data[`data-${k.toLowerCase()}`] = v;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${page.title(params)} · Switchyard`}</title>
        <link rel="stylesheet" href={`${ASSET_BASE}/styles.css`} />
        <script type="module" src={`${ASSET_BASE}/${page.entry}.js`}></script>
      </head>
      <body>
        <a class="skip" href="#app">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Switchyard
          </a>
          <nav aria-label="Main">
            {UI_SECTIONS.map((s) => (
              <a href={s.href} aria-current={page.section === s.section ? "page" : undefined}>
                {s.text}
              </a>
            ))}
          </nav>
          <div id="session" class="session"></div>
        </header>
        <main id="app" tabindex={-1} data-page={page.entry} {...data}>
          <p class="muted">Loading…</p>
          <noscript>The Switchyard UI needs JavaScript; the JSON API is under /api.</noscript>
        </main>
      </body>
    </html>
  );
}
