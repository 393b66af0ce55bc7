// The browser part of `npm run bench`: one headless Chromium session runs every client of
// www/bench/bench.js against the test server's /bulk stream in interleaved rounds, prints
// the table and writes docs/bench/results.json and docs/bench/chart.svg.
//
//   node bench/run.mjs --server http://127.0.0.1:PORT [--count 100000] [--payload 64]
//     [--rounds 5] [--out docs/bench] [--rows a,b] [--profile row,...] [--attach key=file.json]
//     [--source server|nginx]
//
// `--source nginx` reads the same bytes from a static file that nginx serves (its chunking, not
// the test server's); the memory checks, which need the test server's scenarios, are skipped.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { launch } from "./cdp.mjs";
import { chart } from "./chart.mjs";
import { serveStatic } from "./nginx-static.mjs";

const ROWS = {
  "raw-eventsource": "EventSource + JSON.parse (baseline)",
  "raw-eventsource-ids": "EventSource + JSON.parse + lastEventId",
  "transfer-floor": "fetch().arrayBuffer() (transfer floor)",
  "microsoft-fetch-event-source": "@microsoft/fetch-event-source 2 + JSON.parse",
  "eventsource-parser": "eventsource-parser 4 over fetch + JSON.parse",
  "gloo-net": "gloo-net 0.7 EventSource + serde (Rust)",
  "wasm-sse-eventsource": "wasm-sse EventSource transport (Rust, struct)",
  "wasm-sse-eventsource-no-ids": "wasm-sse EventSource, ids off (Rust, struct)",
  "wasm-sse-fetch": "wasm-sse fetch transport (Rust, struct)",
  "npm-json-eventsource": "wasm-sse npm EventStream json, EventSource",
  "npm-json-fetch": "wasm-sse npm EventStream json, fetch",
  "npm-dropin-eventsource": "wasm-sse npm EventSource class, EventSource",
  "npm-dropin-fetch": "wasm-sse npm EventSource class, fetch",
};

/**
 * Rows that take the clients apart, run only when named with `--rows` (docs/bench says what
 * they showed): what the npm API costs without JSON, and without the iterator protocol.
 */
const DIAGNOSTIC_ROWS = {
  "diag-eventsource-parser-text": "eventsource-parser 4 over fetch, no JSON.parse",
  "diag-npm-text-fetch": "wasm-sse npm EventStream text, fetch (no JSON.parse)",
  "diag-npm-batches-fetch": "wasm-sse npm batches + JSON.parse, no iterator",
};

/** The targets: [row, reference row, largest allowed ratio, wording]. */
const TARGETS = [
  ["wasm-sse-eventsource-no-ids", "raw-eventsource", 1.1, "wasm-sse EventSource transport, ids off, <= 1.1x raw EventSource"],
  ["wasm-sse-eventsource", "raw-eventsource-ids", 1.1, "wasm-sse EventSource transport, ids on, <= 1.1x raw EventSource reading lastEventId"],
  ["wasm-sse-fetch", "transfer-floor", 1.5, "wasm-sse fetch transport (Rust, struct) <= 1.5x the transfer floor"],
  ["npm-json-fetch", "eventsource-parser", 1.0, "npm EventStream json over fetch <= eventsource-parser + JSON.parse"],
  ["npm-json-eventsource", "raw-eventsource", 1.05, "npm EventStream json over EventSource <= 1.05x raw EventSource"],
  ["npm-dropin-fetch", "eventsource-parser", 0.9, "npm EventSource class over fetch <= 0.9x eventsource-parser + JSON.parse"],
  ["npm-dropin-eventsource", "raw-eventsource", 1.05, "npm EventSource class over EventSource <= 1.05x raw EventSource"],
];

function options(argv) {
  const opts = { count: 100000, payload: 64, rounds: 5, out: "docs/bench", attach: [], source: "server" };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i].replace(/^--/, ""), argv[i + 1]];
    if (key === "attach") opts.attach.push(value);
    else opts[key] = ["count", "payload", "rounds"].includes(key) ? Number(value) : value;
  }
  if (!opts.server) throw new Error("--server URL of the test server is required");
  if (!["server", "nginx"].includes(opts.source)) throw new Error(`--source ${opts.source}: expected server or nginx`);
  return opts;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function openBenchPage(browser, server) {
  const page = await browser.open(`${server}/www/bench/index.html`);
  page.browser = browser;
  for (let i = 0; i < 200; i++) {
    const loaded = await page.evaluate("document.readyState === 'complete' && !!window.benchReady").catch(() => false);
    if (loaded) return page;
    await sleep(50);
  }
  throw new Error("the bench page did not load");
}

/** CPU seconds used so far by the renderers, and by all of the browser's processes. */
async function cpuTimes(browser) {
  const { processInfo } = await browser.send("SystemInfo.getProcessInfo");
  const sum = (infos) => infos.reduce((total, info) => total + info.cpuTime, 0);
  return { renderer: sum(processInfo.filter((info) => info.type === "renderer")), all: sum(processInfo) };
}

/** Runs row `name` once in the page; `{ ms, cpu_ms, all_cpu_ms }` or `{ error }`. */
async function runOnce(page, name, opts, tag) {
  const url = opts.static
    ? `${opts.static.url}/bulk.txt?tag=${tag}`
    : `/bulk?count=${opts.count}&payload=${opts.payload}&tag=${tag}`;
  const before = await cpuTimes(page.browser);
  const result = await page.evaluate(`bench.run(${JSON.stringify(name)}, ${JSON.stringify(url)}, ${opts.count})`);
  const after = await cpuTimes(page.browser);
  result.cpu_ms = (after.renderer - before.renderer) * 1000;
  result.all_cpu_ms = (after.all - before.all) * 1000;
  // Let the closed connection wind down and collect garbage between runs, outside the timing.
  await page.evaluate("typeof gc === 'function' && gc(); new Promise((r) => setTimeout(r, 150))");
  return result;
}

/** Samples one run with Chrome's CPU profiler; returns the summary text. */
async function profile(page, name, opts) {
  await page.send("Profiler.enable");
  await page.send("Profiler.setSamplingInterval", { interval: 100 });
  await page.send("Profiler.start");
  const result = await runOnce(page, name, opts, `bench-profile-${name}`);
  const { profile: cpu } = await page.send("Profiler.stop");
  await page.send("Profiler.disable");
  const self = new Map();
  const byId = new Map(cpu.nodes.map((node) => [node.id, node]));
  const deltas = cpu.timeDeltas;
  let total = 0;
  cpu.samples.forEach((id, i) => {
    const frame = byId.get(id).callFrame;
    const file = frame.url.split("/").pop() || "(native)";
    const key = `${frame.functionName || "(anonymous)"}  [${file}]`;
    const us = deltas[i] ?? 0;
    total += us;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  const lines = [
    `CPU profile of ${name} (${ROWS[name] ?? DIAGNOSTIC_ROWS[name]}), one run: ${result.ms?.toFixed(1) ?? result.error} ms, ` +
      `sampled ${(total / 1000).toFixed(1)} ms; self time by function:`,
    ...top.map(([key, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`),
  ];
  return lines.join("\n");
}

/** JS heap after a full collection, and the Rust clients' wasm memory, in bytes. */
async function footprint(page) {
  await page.send("HeapProfiler.collectGarbage");
  const { usedSize } = await page.send("Runtime.getHeapUsage");
  return { js_heap: usedSize, wasm_memory: await page.evaluate("bench.wasmMemory()") };
}

/** The memory checks: each workload once to warm up, then measured before and after. */
async function memoryChecks(page, cycles) {
  const checks = [
    ["open-close-eventsource", cycles, `${cycles} open/close cycles, EventSource transport`],
    ["open-close-fetch", cycles, `${cycles} open/close cycles, fetch transport`],
    ["reconnects", cycles, `${cycles} forced reconnects (fetch transport, the server ends every response)`],
    ["stalled-consumer", 1000, "a consumer that stops reading 100,000 events, buffer of 1000 (EventSource transport, DropOldest)"],
  ];
  const results = [];
  for (const [name, n, label] of checks) {
    const warm = await page.evaluate(`bench.memoryCheck(${JSON.stringify(name)}, ${Math.min(n, 50)})`);
    const before = await footprint(page);
    const run = warm.error ? warm : await page.evaluate(`bench.memoryCheck(${JSON.stringify(name)}, ${n})`);
    const after = await footprint(page);
    results.push({ name, label, before, after, ...run });
    console.error(`bench: memory check ${name} done`);
  }
  return results;
}

function memoryTable(results) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  return results
    .map((r) => {
      if (r.error) return `  FAIL  ${r.label}: ${r.error}`;
      const growth = `JS heap ${kb(r.before.js_heap)} -> ${kb(r.after.js_heap)}, wasm memory ${kb(r.before.wasm_memory)} -> ${kb(r.after.wasm_memory)}`;
      const extra = r.result && typeof r.result === "object" ? `; while stalled: wasm ${kb(r.result.stalledWasm)}, then delivered ${r.result.delivered} messages and reported ${r.result.skipped} skipped` : "";
      return `  ${r.label}: ${growth}${extra}`;
    })
    .join("\n");
}

function table(rows) {
  const header = ["client", "median ms", "events/s", "MB/s", "x raw ES", "x floor", "cpu ms", "runs (ms)"];
  const body = rows.map((row) =>
    row.error
      ? [row.label, "FAIL", "", "", "", "", "", row.error.slice(0, 70)]
      : [
          row.label,
          row.median_ms.toFixed(1),
          Math.round(row.events_per_s).toLocaleString("en-US"),
          row.mb_per_s.toFixed(0),
          row.vs_raw?.toFixed(2) ?? "",
          row.vs_floor?.toFixed(2) ?? "",
          row.median_cpu_ms.toFixed(0),
          row.runs_ms.map((ms) => ms.toFixed(0)).join(" "),
        ],
  );
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => String(cells[i]).length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 || i === 7 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

async function main() {
  const opts = options(process.argv.slice(2));
  mkdirSync(opts.out, { recursive: true });
  const body = new Uint8Array(await (await fetch(`${opts.server}/bulk?count=${opts.count}&payload=${opts.payload}&tag=bench-size`)).arrayBuffer());
  const bytes = body.byteLength;
  if (opts.source === "nginx") {
    opts.static = await serveStatic("bulk.txt", body);
    opts.memory = 0;
  }

  const browser = await launch({ args: ["--js-flags=--expose-gc"] });
  let page;
  try {
    page = await openBenchPage(browser, opts.server);
    const available = await page.evaluate("window.benchReady");
    const wanted = opts.rows ? opts.rows.split(",") : Object.keys(ROWS);
    const names = wanted.filter((name) => available.includes(name));
    const pending = wanted.filter((name) => !available.includes(name));
    console.error(`bench: ${browser.version}, ${availableParallelism()} cores, ${opts.count} events, ${(bytes / 1e6).toFixed(1)} MB; rows: ${names.join(", ")}`);

    // Warm-up: load code paths and JIT everything once, untimed.
    for (const name of names) await runOnce(page, name, { ...opts, count: Math.min(opts.count, 2000) }, "bench-warmup");

    const runs = Object.fromEntries(names.map((name) => [name, []]));
    const cpu = Object.fromEntries(names.map((name) => [name, []]));
    const errors = {};
    for (let round = 0; round < opts.rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        if (errors[name]) continue;
        const result = await runOnce(page, name, opts, `bench-${name}-${round}`);
        if (result.error) errors[name] = result.error;
        else {
          runs[name].push(result.ms);
          cpu[name].push(result.cpu_ms);
        }
      }
      console.error(`bench: round ${round + 1}/${opts.rounds} done`);
    }

    const rows = names.map((name) => {
      if (errors[name]) return { name, label: ROWS[name] ?? DIAGNOSTIC_ROWS[name] ?? name, error: errors[name] };
      const ms = median(runs[name]);
      return {
        name,
        label: ROWS[name] ?? DIAGNOSTIC_ROWS[name] ?? name,
        runs_ms: runs[name],
        median_ms: ms,
        events_per_s: (opts.count * 1000) / ms,
        mb_per_s: bytes / 1000 / ms,
        renderer_cpu_ms: cpu[name],
        median_cpu_ms: median(cpu[name]),
      };
    });
    const medianOf = (name, key = "median_ms") => rows.find((row) => row.name === name && !row.error)?.[key];
    for (const row of rows.filter((row) => !row.error)) {
      if (medianOf("raw-eventsource")) row.vs_raw = row.median_ms / medianOf("raw-eventsource");
      if (medianOf("transfer-floor")) row.vs_floor = row.median_ms / medianOf("transfer-floor");
      if (medianOf("raw-eventsource")) row.cpu_vs_raw = row.median_cpu_ms / medianOf("raw-eventsource", "median_cpu_ms");
    }
    const targets = TARGETS.map(([name, reference, limit, wording]) => {
      const [value, base] = [medianOf(name), medianOf(reference)];
      const ratio = value && base ? value / base : null;
      const cpuRatio = value && base ? medianOf(name, "median_cpu_ms") / medianOf(reference, "median_cpu_ms") : null;
      return { target: wording, ratio, cpu_ratio: cpuRatio, met: ratio === null ? null : ratio <= limit };
    });

    const memory = opts.memory ? await memoryChecks(page, Number(opts.memory)) : undefined;

    const profiles = {};
    for (const name of (opts.profile ?? "").split(",").filter((n) => names.includes(n))) {
      profiles[name] = await profile(page, name, opts);
      writeFileSync(join(opts.out, `profile-${name}.txt`), `${profiles[name]}\n`);
    }

    const attached = {};
    for (const spec of opts.attach) {
      const [key, file] = spec.split("=");
      try {
        attached[key] = JSON.parse(readFileSync(file, "utf8"));
      } catch {
        // A step that did not run leaves nothing to attach.
      }
    }
    const results = {
      date: new Date().toISOString(),
      browser: browser.version,
      cores: availableParallelism(),
      source: opts.source === "nginx" ? "a static file served by nginx" : "the test server's /bulk",
      events: opts.count,
      payload: opts.payload,
      bytes,
      rounds: opts.rounds,
      rows,
      pending_rows: pending,
      targets,
      memory,
      ...attached,
    };
    writeFileSync(join(opts.out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(opts.out, "chart.svg"), chart(results));

    console.log(`\n${browser.version}, ${results.cores} cores, ${opts.count.toLocaleString("en-US")} events of ~${Math.round(bytes / opts.count)} bytes (${(bytes / 1e6).toFixed(1)} MB) from ${results.source}, median of ${opts.rounds} interleaved rounds\n`);
    console.log(table(rows));
    if (pending.length) console.log(`\npending (not built yet): ${pending.join(", ")}`);
    console.log("\ntargets:");
    for (const t of targets) {
      const ratios = t.ratio ? `: ${t.ratio.toFixed(2)}x (renderer CPU time: ${t.cpu_ratio.toFixed(2)}x)` : "";
      console.log(`  ${t.met === null ? "n/a " : t.met ? "met " : "MISS"}  ${t.target}${ratios}`);
    }
    console.log("\ncpu ms: the median renderer CPU time of a run, steadier than wall time on a busy machine.");
    if (memory) console.log(`\nmemory (before -> after, after one warm-up run of each):\n${memoryTable(memory)}`);
    for (const text of Object.values(profiles)) console.log(`\n${text}`);
    process.exitCode = rows.some((row) => row.error) ? 1 : 0;
  } finally {
    await browser.close();
    await opts.static?.stop();
  }
}

main().catch((err) => {
  console.error(`bench: ${err.stack ?? err}`);
  process.exit(2);
});
