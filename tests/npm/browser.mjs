// Helpers of the JavaScript API tests and the demo test: the system Chromium driven by
// playwright-core (no browser download), and a static server for the built package.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Launches the system Chromium, headless. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".ts": "text/plain",
  ".css": "text/css",
};

/**
 * Serves a blank page at `/` and the package (`/npm/...`, the built `/pkg/...`) on 127.0.0.1, as any static
 * host would: a page of another origin than the SSE server, so every stream is cross-origin.
 * Resolves to `{ url, close }`.
 */
export async function servePackage() {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/") {
      response.writeHead(200, { "content-type": TYPES[".html"] });
      response.end("<!doctype html><meta charset=utf-8><link rel=icon href=data:,><title>wasm-sse npm tests</title><body>");
      return;
    }
    const file = normalize(join(root, path));
    const served = ["pkg", "npm"].some((folder) => path.startsWith(`/${folder}/`) && file.startsWith(join(root, folder)));
    if (!served) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * A page of `origin` that collects console errors and uncaught exceptions in `problems`
 * and has the package loaded and initialised as `globalThis.wasmSse`.
 */
export async function packagePage(browser, origin) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${origin}/`);
  await page.evaluate(async () => {
    // The package's entry, as `import init from "wasm-sse"` resolves it.
    const module = await import("/npm/index.js");
    await module.default();
    globalThis.wasmSse = module;
  });
  return { page, problems };
}

/** Runs `body(server, arg)` in `page`, failing after 15 s instead of hanging. */
export function runInPage(page, server, body, arg) {
  return page.evaluate(
    ([source, server, arg]) => {
      const run = new Function(`return (${source})`)();
      return Promise.race([
        run(server, arg),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timed out in the page")), 15_000)),
      ]);
    },
    [body.toString(), server, arg],
  );
}

/** What the test server at `server` counted and logged per tag. */
export function serverHelpers(server) {
  const stats = async (tag) => (await fetch(`${server}/stats?tag=${tag}`)).json();
  const log = async (tag) => (await fetch(`${server}/log?tag=${tag}`)).json();
  return {
    /** Forgets what the server counted and logged for `tag`, so a test can run again on the same server. */
    reset: async (tag) => {
      await fetch(`${server}/control/reset?tag=${tag}`);
    },
    stats,
    log,
    /** The log of `tag`'s requests but CORS preflights (a `Last-Event-ID` header needs one cross-origin). */
    connections: async (tag) => (await log(tag)).filter((record) => record.method !== "OPTIONS"),
    /** Waits until the server counts `open` connections for `tag` (keep-alives reveal a gone client). */
    waitForOpen: async (tag, open) => {
      for (let i = 0; i < 100; i++) {
        if ((await stats(tag)).open === open) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.fail(`the server still counts ${(await stats(tag)).open} open connections for ${tag}, not ${open}`);
    },
  };
}
