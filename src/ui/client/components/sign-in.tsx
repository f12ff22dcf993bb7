import { useState } from "hono/jsx/dom";
import { tokenWorks } from "../api";
import { setToken } from "../session";

/** Sign in with the API token; it is checked against the API, then kept in sessionStorage. */
export function SignIn(props: { onSignedIn: () => void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const token = String(new FormData(form).get("token") ?? "").trim();
    if (token === "") return setError("Enter the API token.");
    setBusy(true);
    const ok = await tokenWorks(token).catch(() => false);
    setBusy(false);
    if (!ok) return setError("That token was not accepted.");
    setToken(token);
    props.onSignedIn();
  };
  return (
    <section class="card signin">
      <h1>Sign in</h1>
      <p class="muted">Switchyard asks for the API token (<code>API_TOKEN</code>; <code>npm start</code> prints it). It stays in this tab only.</p>
      <form onSubmit={submit} noValidate>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="token-error" />
        <p id="token-error" class="field-error" role="alert">
          {error}
        </p>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
