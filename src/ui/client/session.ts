/**
 * The API token, kept in this tab's sessionStorage only: never in a URL, a cookie or a log, and
 * gone when the tab closes.
 */
const KEY = "switchyard.apiToken";

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
