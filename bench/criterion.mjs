// Parser throughput for `npm run bench`: criterion's estimates as MB/s and events/s, as JSON
// on stdout and a table on stderr.
//   node bench/criterion.mjs CRITERION_DIR INPUTS_JSON
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, inputsFile] = process.argv.slice(2);
const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
const rows = [];
for (const input of inputs) {
  for (const parser of ["wasm-sse", "sse-codec", "eventsource-stream"]) {
    const file = join(dir, input.name, parser, "new", "estimates.json");
    if (!existsSync(file)) continue;
    const seconds = JSON.parse(readFileSync(file, "utf8")).median.point_estimate / 1e9;
    rows.push({
      input: input.name,
      parser,
      chunk: input.chunk,
      mb_per_s: input.bytes / 1e6 / seconds,
      events_per_s: input.events / seconds,
      ns_per_byte: (seconds * 1e9) / input.bytes,
    });
  }
}
const cells = rows.map((r) => [r.input, r.parser, r.mb_per_s.toFixed(0), Math.round(r.events_per_s).toLocaleString("en-US"), r.ns_per_byte.toFixed(2)]);
const header = ["input", "parser", "MB/s", "events/s", "ns/byte"];
const widths = header.map((_, i) => Math.max(...[header, ...cells].map((c) => c[i].length)));
const line = (c) => c.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
console.error(`\nparser throughput (native, criterion median)\n${[line(header), ...cells.map(line)].join("\n")}\n`);
const small = rows.find((r) => r.input === "small-64k" && r.parser === "wasm-sse");
const [short, long] = ["small-1byte-1k", "small-1byte-4k"].map((name) => rows.find((r) => r.input === name && r.parser === "wasm-sse"));
const targets = [
  { target: "wasm-sse >= 1.2 GB/s on small events", value: small?.mb_per_s, met: small ? small.mb_per_s >= 1200 : null },
  {
    target: "one-byte chunks no worse than linear (ns/byte at 4x the input / at 1x)",
    value: short && long ? long.ns_per_byte / short.ns_per_byte : null,
    met: short && long ? long.ns_per_byte / short.ns_per_byte <= 1.25 : null,
  },
];
console.log(JSON.stringify({ rows, targets }, null, 2));
