import type { Child } from "hono/jsx";
import { render } from "hono/jsx/dom";
import { SignIn } from "./components/sign-in";
import { clearToken, getToken } from "./session";

/** The path params the shell put on `<main>` as data attributes. */
export function pageParam(name: string): string {
  const el = document.getElementById("app");
  return el?.dataset[name] ?? "";
}

/**
 * Renders a page's island into `<main id="app">`, behind the sign-in form when this tab has no
 * token yet; the header gets a Sign out button.
 */
export function mountPage(page: () => Child): void {
  const app = document.getElementById("app");
  const session = document.getElementById("session");
  if (!app) return;
  const show = () => {
    if (getToken() === null) {
      if (session) render(<span />, session);
      render(<SignIn onSignedIn={show} />, app);
      return;
    }
    if (session)
      render(
        <button
          type="button"
          class="link"
          onClick={() => {
            clearToken();
            location.assign("/");
          }}
        >
          Sign out
        </button>,
        session,
      );
    render(<>{page()}</>, app);
  };
  show();
}
