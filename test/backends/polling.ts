/** Asking a backend's HTTP API, and asking again until it has what a test waits for. */

/** GETs `url` and parses its JSON body; a status other than 2xx throws with the body. */
export async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${body}`);
  return JSON.parse(body) as unknown;
}

/** Like {@link getJson}, but undefined while the server does not answer yet. */
export async function fetchJson(url: string): Promise<unknown> {
  try {
    return await getJson(url);
  } catch {
    return undefined;
  }
}

/**
 * Calls `check` every 200 ms until it returns something other than undefined or false, and returns
 * that. After `timeoutMs` it throws, naming `what` and the last value or error `check` gave.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
