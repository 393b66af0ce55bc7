// The SVG bar chart of docs/bench: one bar per client, its median time, shorter is better.

const escape = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The chart of `results` (as written to results.json), as SVG text. */
export function chart(results) {
  const rows = results.rows.filter((row) => !row.error);
  const labelWidth = 330;
  const barWidth = 420;
  const rowHeight = 26;
  const top = 48;
  const width = labelWidth + barWidth + 130;
  const height = top + rows.length * rowHeight + 34;
  const longest = Math.max(...rows.map((row) => row.median_ms), 1);
  const colour = (row) =>
    row.name.startsWith("wasm-sse") || row.name.startsWith("npm-") ? "#d9480f" : row.name === "transfer-floor" ? "#868e96" : "#4263eb";
  const bars = rows.map((row, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, (row.median_ms / longest) * barWidth);
    const ratio = row.vs_raw === undefined ? "" : ` (${row.vs_raw.toFixed(2)}x)`;
    return [
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(row.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${colour(row)}"/>`,
      `<text x="${labelWidth + w + 6}" y="${y + 16}">${row.median_ms.toFixed(0)} ms${ratio}</text>`,
    ].join("\n  ");
  });
  const mb = (results.bytes / 1e6).toFixed(1);
  const title = `${results.events.toLocaleString("en-US")} SSE events (${mb} MB), median ms of ${results.rounds} rounds, lower is better; (x) = vs browser EventSource`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="10" y="22" font-size="14" font-weight="bold">${escape(title)}</text>
  <text x="10" y="${height - 10}" fill="#666" font-size="11">${escape(`${results.browser}, ${results.cores} cores, ${results.date.slice(0, 10)}`)}</text>
  ${bars.join("\n  ")}
</svg>
`;
}
