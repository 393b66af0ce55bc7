// A headless Chromium spoken to over the DevTools protocol on a pipe
// (`--remote-debugging-pipe`), with no driver in between: the Network domain is never
// enabled, since it makes the browser report every SSE message and slows EventSource ~7x.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Starts Chromium; resolves to a browser handle with `open(url)` and `close()`. */
export async function launch({ executable = process.env.CHROMIUM ?? "chromium", args = [] } = {}) {
  const profileDir = mkdtempSync(join(tmpdir(), "wasm-sse-bench-"));
  const child = spawn(
    executable,
    [
      "--headless=new",
      "--remote-debugging-pipe",
      `--user-data-dir=${profileDir}`,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      // A background tab must not be throttled while the bench runs.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      ...args,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    stderr = (stderr + text).slice(-4000);
  });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  fromBrowser.setEncoding("utf8");

  let nextId = 1;
  const pending = new Map();
  let buffered = "";
  fromBrowser.on("data", (text) => {
    buffered += text;
    for (let end = buffered.indexOf("\0"); end >= 0; end = buffered.indexOf("\0")) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      const waiter = message.id && pending.get(message.id);
      if (!waiter) continue;
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.resolve(message.result);
    }
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`chromium exited:\n${stderr}`));
    pending.clear();
  });

  /** Sends one command (to a page when `sessionId` is given) and resolves to its result. */
  function send(method, params = {}, sessionId = undefined) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, method });
      toBrowser.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });
  }

  const version = await send("Browser.getVersion");
  return {
    version: version.product,
    send,
    /** Opens `url` in a new tab; resolves to a page handle. */
    async open(url) {
      const { targetId } = await send("Target.createTarget", { url });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
      const page = {
        send: (method, params) => send(method, params, sessionId),
        /** Evaluates `expression` in the page, awaiting a promise; resolves to its value. */
        async evaluate(expression) {
          const { result, exceptionDetails } = await page.send("Runtime.evaluate", {
            expression,
            awaitPromise: true,
            returnByValue: true,
          });
          if (exceptionDetails) {
            const what = exceptionDetails.exception?.description ?? exceptionDetails.text;
            throw new Error(`in the page: ${what}`);
          }
          return result.value;
        },
      };
      return page;
    },
    async close() {
      try {
        await Promise.race([send("Browser.close"), new Promise((r) => setTimeout(r, 3000))]);
      } catch {
        // Already gone.
      }
      if (child.exitCode === null) child.kill();
      await exited;
      // Chromium's helper processes can outlive the browser by a moment and still write to
      // the profile (seen as ENOTEMPTY); retry, and never fail a finished bench over a temp dir.
      try {
        rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (err) {
        console.error(`bench: could not remove ${profileDir}: ${err.message}`);
      }
    },
  };
}
