// Helpers of the JavaScript API tests and the demo test: the system Chromium driven by
// playwright-core (no browser download), and a static server for the built package.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
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
 * Serves a blank page at `/` and the built package at `/pkg/...` on 127.0.0.1, as any static
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
    if (!path.startsWith("/pkg/") || !file.startsWith(join(root, "pkg"))) {
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
    const module = await import("/pkg/web/wasm_sse.js");
    await module.default();
    globalThis.wasmSse = module;
  });
  return { page, problems };
}
