// A small live line chart in SVG: one polyline per series over the last `window` x values,
// y scaled to what is visible, and vertical markers (a reconnect). No framework.

const SVG = "http://www.w3.org/2000/svg";

function element(name, attributes = {}, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent?.append(node);
  return node;
}

export class LineChart {
  /**
   * @param {SVGSVGElement} svg
   * @param {{ name: string, color: string }[]} series
   * @param {number} window how many x units are visible
   */
  constructor(svg, series, window) {
    this.svg = svg;
    this.window = window;
    this.points = [];
    this.markers = [];
    this.grid = element("g", { class: "grid" }, svg);
    this.markerLayer = element("g", { class: "markers" }, svg);
    this.lines = new Map(
      series.map(({ name, color }) => [
        name,
        element("polyline", { fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round", "data-series": name, "data-count": 0 }, svg),
      ]),
    );
    this.scheduled = false;
  }

  /** Adds the values of every series at `x` (x only grows; an old x is ignored). */
  push(x, values) {
    const last = this.points.at(-1);
    if (last && x <= last.x) return;
    this.points.push({ x, values });
    const oldest = x - this.window;
    while (this.points.length && this.points[0].x < oldest) this.points.shift();
    this.markers = this.markers.filter((marker) => marker.x >= oldest);
    this.schedule();
  }

  /** A vertical line at `x` with a label. */
  mark(x, label) {
    this.markers.push({ x, label });
    this.schedule();
  }

  /** Draws at the next frame, once however many points arrived meanwhile. */
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const width = this.svg.clientWidth || 800;
    const height = this.svg.clientHeight || 260;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const pad = { left: 52, right: 10, top: 10, bottom: 18 };
    if (!this.points.length) return;
    const newest = this.points.at(-1).x;
    const left = newest - this.window;
    let low = Infinity;
    let high = -Infinity;
    for (const { values } of this.points) {
      for (const value of Object.values(values)) {
        low = Math.min(low, value);
        high = Math.max(high, value);
      }
    }
    const span = Math.max(high - low, 0.2);
    const middle = (high + low) / 2;
    [low, high] = [middle - span * 0.55, middle + span * 0.55];
    const xOf = (x) => pad.left + ((x - left) / this.window) * (width - pad.left - pad.right);
    const yOf = (y) => pad.top + ((high - y) / (high - low)) * (height - pad.top - pad.bottom);

    this.grid.replaceChildren();
    for (let i = 0; i <= 4; i++) {
      const value = low + ((high - low) * i) / 4;
      const y = yOf(value);
      element("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y }, this.grid);
      element("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end" }, this.grid).textContent = `${value >= 0 ? "+" : ""}${value.toFixed(2)}%`;
    }
    element("text", { x: pad.left, y: height - 3 }, this.grid).textContent = "−30 s";
    element("text", { x: width - pad.right, y: height - 3, "text-anchor": "end" }, this.grid).textContent = "now";

    this.markerLayer.replaceChildren();
    for (const { x, label } of this.markers) {
      const at = xOf(x);
      element("line", { x1: at, x2: at, y1: pad.top, y2: height - pad.bottom }, this.markerLayer);
      element("text", { x: at + 4, y: pad.top + 12 }, this.markerLayer).textContent = label;
    }

    for (const [name, line] of this.lines) {
      const coordinates = [];
      for (const { x, values } of this.points) {
        if (name in values) coordinates.push(`${xOf(x).toFixed(1)},${yOf(values[name]).toFixed(1)}`);
      }
      line.setAttribute("points", coordinates.join(" "));
      line.setAttribute("data-count", coordinates.length);
    }
  }
}
