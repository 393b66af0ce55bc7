// The live market dashboard: one EventStream of the test server's `/market` feed, read with
// `for await`, exactly as a user of the npm package writes it.
import init, { EventStream } from "wasm-sse";
import { LineChart } from "./chart.js";
import { startInspector } from "./inspector.js";

await init();

const INTERVAL_MS = 100;
const WINDOW = 30_000 / INTERVAL_MS;
const SERIES = [
  { name: "WASM", color: "#7c5cff" },
  { name: "RUST", color: "#f46623" },
  { name: "SSE", color: "#1fb58f" },
  { name: "HTTP", color: "#2f9cf6" },
];

const $ = (id) => document.getElementById(id);
const chart = new LineChart($("chart"), SERIES, WINDOW);
const figures = { count: 0, reconnects: 0, caughtUp: 0, missed: 0, duplicates: 0, lastSeq: null };
const arrivals = [];
const baseline = {};
let opens = 0;
let lastError = null;
let reconnectDue = 0;
let resume = null;

const legend = new Map(
  SERIES.map(({ name, color }) => {
    const item = document.createElement("li");
    item.style.setProperty("--color", color);
    item.innerHTML = `<b>${name}</b> <span class="price">–</span> <span class="change"></span>`;
    $("legend").append(item);
    return [name, item];
  }),
);

// `history`: the server sends the last 30 s first, so the chart is full from the start.
const stream = new EventStream(`/market?interval_ms=${INTERVAL_MS}&history=${WINDOW}&tag=dashboard`, {
  transport: "fetch",
  // One connection for every tab of the dashboard: open it twice and watch the tabs tile.
  shared: true,
  events: ["tick"],
  json: true,
  retry: { initialDelayMs: 500, maxDelayMs: 4000 },
  onOpen() {
    opens += 1;
    lastError = null;
    if (opens > 1) {
      figures.reconnects += 1;
      resume = { after: figures.lastSeq, replayed: 0 };
      chart.mark(figures.lastSeq + 0.5, "reconnected");
    }
    showState();
  },
  onError(error) {
    lastError = error;
    reconnectDue = performance.now() + (stream.reconnect?.delayMs ?? 0);
    showState();
  },
});

function showState() {
  const state = stream.state;
  document.body.dataset.state = state;
  $("market-state").dataset.state = state;
  $("market-state").textContent = state;
  let detail = "";
  if (state === "reconnecting" && stream.reconnect) {
    const seconds = Math.max(0, (reconnectDue - performance.now()) / 1000);
    detail = `attempt ${stream.reconnect.attempt} · in ${seconds.toFixed(1)} s`;
  } else if (state === "connecting" && lastError) {
    detail = "trying again…";
  } else if (state === "open") {
    detail = `fetch · resumes by Last-Event-ID`;
  }
  if (lastError && state !== "open") detail += ` · ${lastError.message}`;
  $("market-detail").textContent = detail;
}

function showFigures() {
  const now = performance.now();
  while (arrivals.length && arrivals[0] < now - 1000) arrivals.shift();
  $("events-count").textContent = figures.count.toLocaleString("en");
  $("events-rate").textContent = arrivals.length.toFixed(1);
  $("last-id").textContent = stream.lastEventId || "–";
  $("reconnects").textContent = figures.reconnects;
  $("caught-up").textContent = figures.caughtUp;
  $("missed").textContent = figures.missed;
  $("duplicates").textContent = figures.duplicates;
  $("tabs").textContent = stream.tabs;
  showState();
}
setInterval(showFigures, 250);

function record(tick) {
  figures.count += 1;
  arrivals.push(performance.now());
  if (figures.lastSeq !== null) {
    if (tick.seq <= figures.lastSeq) figures.duplicates += 1;
    else figures.missed += tick.seq - figures.lastSeq - 1;
  }
  figures.lastSeq = Math.max(figures.lastSeq ?? tick.seq, tick.seq);
  if (tick.replay && resume) {
    figures.caughtUp += 1;
    resume.replayed += 1;
    $("resume-note").hidden = false;
    $("resume-note").textContent = `Reconnected, and resumed after tick #${resume.after} by Last-Event-ID: the server replayed the ${resume.replayed} ticks it sent while we were away.`;
  }
}

function draw(tick) {
  const changes = {};
  for (const [name, price] of Object.entries(tick.quotes)) {
    baseline[name] ??= price;
    changes[name] = ((price - baseline[name]) / baseline[name]) * 100;
    const item = legend.get(name);
    if (item) {
      item.querySelector(".price").textContent = price.toFixed(2);
      item.querySelector(".change").textContent = `${changes[name] >= 0 ? "+" : ""}${changes[name].toFixed(2)}%`;
      item.dataset.trend = changes[name] >= 0 ? "up" : "down";
    }
  }
  chart.push(tick.seq, changes);
}

function log(tick) {
  const row = document.createElement("tr");
  for (const text of [tick.seq, ...SERIES.map(({ name }) => tick.quotes[name]?.toFixed(2) ?? "")]) {
    row.append(Object.assign(document.createElement("td"), { textContent: text }));
  }
  if (tick.replay && resume) row.className = "replay";
  $("tick-log").prepend(row);
  while ($("tick-log").childElementCount > 12) $("tick-log").lastElementChild.remove();
}

startInspector();

try {
  for await (const { data: tick } of stream) {
    record(tick);
    draw(tick);
    log(tick);
  }
} catch (error) {
  lastError = error;
}
showFigures();
