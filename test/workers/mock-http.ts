import { vi } from "vitest";

/**
 * Routes the Worker's outbound fetches to `https://mock.test/...` to a
 * handler (the main Worker, its Durable Objects and queue consumer run in the
 * tests' isolate, so a global mock reaches them). Other URLs pass through.
 */
export function mockHttp(handler: (req: Request) => Response | Promise<Response>) {
  const real = globalThis.fetch;
  const calls: Request[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    if (new URL(req.url).hostname !== "mock.test") return real(input as RequestInfo, init);
    calls.push(req);
    return handler(req);
  });
  return { calls, restore: () => spy.mockRestore() };
}
