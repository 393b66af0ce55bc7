// The latency part of `npm run bench`: how long after the server writes a token it reaches
// the page's code, for LLM-style streams. The test server writes `--count` stamped messages
// `--interval` ms apart (`/counter?stamp=1`); each client of www/bench/bench.js hands every
// message's stamp to the page as it delivers it. Rounds are interleaved; the table gives the
// median and the 99th percentile over every message of every round, and docs/bench/latency.json
// keeps them.
//
//   node bench/latency.mjs --server http://127.0.0.1:PORT [--count 1000] [--interval 5]
//     [--rounds 3] [--out docs/bench]
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { launch } from "./cdp.mjs";

const ROWS = {
  "raw-eventsource": "EventSource + JSON.parse (baseline)",
  "eventsource-parser": "eventsource-parser 4 over fetch + JSON.parse",
  "wasm-sse-fetch": "wasm-sse fetch transport (Rust, struct)",
  "npm-json-fetch": "wasm-sse npm EventStream json, fetch",
  "npm-dropin-fetch": "wasm-sse npm EventSource class, fetch",
};

function options(argv) {
  const opts = { server: null, count: 1000, interval: 5, rounds: 3, out: "docs/bench" };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i].replace(/^--/, ""), argv[i + 1]];
    if (!(name in opts) || value === undefined) throw new Error(`latency: bad option ${argv[i]}`);
    opts[name] = name === "server" || name === "out" ? value : Number(value);
  }
  if (!opts.server) throw new Error("latency: --server is required");
  return opts;
}

/** The `q`-quantile of sorted `values` (nearest rank). */
function quantile(values, q) {
  return values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)];
}

async function main() {
  const opts = options(process.argv.slice(2));
  mkdirSync(opts.out, { recursive: true });
  const browser = await launch();
  try {
    const page = await browser.open(`${opts.server}/www/bench/index.html`);
    let available = null;
    for (let i = 0; i < 200 && !available; i++) {
      available = await page.evaluate("window.bench && window.bench.latencyRows()").catch(() => null);
      if (!available) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!available) throw new Error("the bench page did not load");
    const names = Object.keys(ROWS).filter((name) => available.includes(name));
    console.error(`latency: ${browser.version}, ${availableParallelism()} cores, ${opts.count} tokens ${opts.interval} ms apart, ${opts.rounds} rounds; rows: ${names.join(", ")}`);
    const all = Object.fromEntries(names.map((name) => [name, []]));
    const errors = {};
    for (let round = 0; round < opts.rounds; round++) {
      for (const name of names.map((_, i) => names[(i + round) % names.length])) {
        if (errors[name]) continue;
        const url = `/counter?count=${opts.count}&interval_ms=${opts.interval}&stamp=1&keepalive_ms=0&tag=latency-${name}-${round}`;
        const result = await page.evaluate(`bench.latency(${JSON.stringify(name)}, ${JSON.stringify(url)}, ${opts.count})`);
        if (result.error) errors[name] = result.error;
        else all[name].push(...result.latencies);
      }
      console.error(`latency: round ${round + 1}/${opts.rounds} done`);
    }
    const rows = names.map((name) => {
      if (errors[name]) return { name, label: ROWS[name], error: errors[name] };
      const sorted = [...all[name]].sort((a, b) => a - b);
      return {
        name,
        label: ROWS[name],
        messages: sorted.length,
        median_ms: quantile(sorted, 0.5),
        p99_ms: quantile(sorted, 0.99),
        max_ms: sorted[sorted.length - 1],
      };
    });
    const reference = rows.find((row) => row.name === "eventsource-parser");
    const lines = [
      `${"client".padEnd(46)} ${"median ms".padStart(9)} ${"p99 ms".padStart(7)} ${"max ms".padStart(7)} ${"p99 x esp".padStart(9)}`,
    ];
    for (const row of rows) {
      if (row.error) {
        lines.push(`${row.label.padEnd(46)} error: ${row.error}`);
        continue;
      }
      const ratio = reference && !reference.error ? (row.p99_ms / reference.p99_ms).toFixed(2) : "-";
      lines.push(
        `${row.label.padEnd(46)} ${row.median_ms.toFixed(2).padStart(9)} ${row.p99_ms.toFixed(2).padStart(7)} ${row.max_ms.toFixed(2).padStart(7)} ${ratio.padStart(9)}`,
      );
    }
    console.log(lines.join("\n"));
    writeFileSync(
      join(opts.out, "latency.json"),
      `${JSON.stringify({ browser: browser.version, cores: availableParallelism(), ...opts, server: undefined, rows }, null, 2)}\n`,
    );
  } finally {
    await browser.close();
  }
}

await main();
