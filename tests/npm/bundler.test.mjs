// The package through a bundler: webpack 5 bundles a page from `wasm-sse/bundler` (the
// --target bundler build, its `.wasm` imported as a module), and must find the SharedWorker
// that `shared: true` starts, through `new SharedWorker(new URL(…, import.meta.url))`. Two
// tabs of the bundled page then read one connection of the test server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import webpack from "webpack";
import { launchBrowser, root, serverHelpers } from "./browser.mjs";

const server = process.env.SSE_SERVER_URL;
const { connections } = serverHelpers(server);
let out;
let statics;
let browser;

/**
 * Bundles tests/npm/bundler-app/app.js into `out/dist` with webpack's defaults for wasm, the
 * package resolved by its name as an installed one is: `out/node_modules/wasm-sse` links here.
 */
async function bundle(out) {
  await mkdir(join(out, "node_modules"));
  await symlink(root, join(out, "node_modules", "wasm-sse"), "dir");
  const compiler = webpack({
    mode: "production",
    context: root,
    entry: "./tests/npm/bundler-app/app.js",
    output: { path: join(out, "dist"), filename: "app.js" },
    resolve: { modules: [join(out, "node_modules"), "node_modules"] },
    experiments: { asyncWebAssembly: true },
    performance: { hints: false },
  });
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {});
      if (error) reject(error);
      else if (stats.hasErrors()) reject(new Error(stats.toString("errors-only")));
      else resolve(stats);
    });
  });
}

/** Serves `folder` and a page that loads its app.js. */
async function serve(folder) {
  const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
  const http = createServer(async (request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end("<!doctype html><meta charset=utf-8><link rel=icon href=data:,><script src=app.js></script>");
      return;
    }
    try {
      const body = await readFile(join(folder, path.slice(1).replaceAll("..", "")));
      response.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${http.address().port}`, close: () => new Promise((resolve) => http.close(resolve)) };
}

before(async () => {
  assert.ok(server, "SSE_SERVER_URL is set by the test command to the test server's URL");
  out = await mkdtemp(join(tmpdir(), "wasm-sse-webpack-"));
  await bundle(out);
  statics = await serve(join(out, "dist"));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await statics?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

test("webpack bundles the SharedWorker and its wasm: two tabs of the bundled page read one connection", async () => {
  const files = await readdir(join(out, "dist"));
  assert.ok(files.filter((file) => file.endsWith(".wasm")).length >= 1, `a .wasm in the bundle: ${files}`);
  assert.ok(files.length >= 3, `the page, the worker's chunk and the wasm: ${files}`);
  const tag = `bundler-${process.pid}`;
  const url = `${server}/counter?count=10&interval_ms=20&first_after_ms=400&after=eof&tag=${tag}`;
  const context = await browser.newContext();
  const problems = [];
  const results = [];
  const pages = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${statics.url}/`);
    await page.waitForFunction(() => globalThis.wasmSse !== undefined);
    results.push(page.evaluate(async (url) => {
      const stream = new wasmSse.EventStream(url, { shared: true, transport: "fetch" });
      const seen = [];
      for await (const message of stream) seen.push(Number(message.lastEventId));
      return { seen, sharing: wasmSse.EventStream.sharing, endReason: stream.endReason };
    }, url));
    pages.push(page);
  }
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the tabs timed out")), 15_000).unref());
  for (const result of await Promise.race([Promise.all(results), timeout])) {
    assert.deepEqual(result, { seen: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], sharing: "worker", endReason: "no-content" });
  }
  assert.deepEqual((await connections(tag)).map((record) => record.last_event_id ?? null), [null, "10"]);
  assert.deepEqual(problems, []);
  await context.close();
});
