// Graphs drawn as SVG in the page: the data-flow map of a version and a workflow's states, from
// the nodes and edges of `GET /v1/rulesets/{name}/versions/{version}/graph`. A simple layered
// layout, left to right: edges that close a cycle are set aside, every node goes one layer
// right of the furthest node feeding it, and each layer is ordered by the mean position of its
// neighbours (a few sweeps) to uncross edges. Back edges and loops curve below the nodes.

const SVG = "http://www.w3.org/2000/svg";
const CHAR = 7.2;
const NODE_H = 30;
const PAD = 16;
/** Edge labels longer than this are cut (the full text is the edge's tooltip). */
const LABEL_MAX = 30;

let drawings = 0;

/** An SVG element with attributes and children (text set as text). */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Layers (0, 1, ...) of the nodes, and the edges that close a cycle. */
function layering(ids, edges) {
  const out = new Map(ids.map((id) => [id, []]));
  for (const [i, e] of edges.entries()) out.get(e.from)?.push({ to: e.to, i });
  const back = new Set();
  const mark = new Map(); // 1: on the path, 2: done
  // Depth-first from the nodes nothing feeds (then any left), iteratively.
  const fed = new Set(edges.filter((e) => e.from !== e.to).map((e) => e.to));
  const roots = [...ids.filter((id) => !fed.has(id)), ...ids];
  for (const root of roots) {
    if (mark.has(root)) continue;
    const stack = [{ id: root, next: 0 }];
    mark.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const edgesOut = out.get(top.id) ?? [];
      if (top.next >= edgesOut.length) {
        mark.set(top.id, 2);
        stack.pop();
        continue;
      }
      const { to, i } = edgesOut[top.next++];
      if (mark.get(to) === 1) back.add(i);
      else if (!mark.has(to)) {
        mark.set(to, 1);
        stack.push({ id: to, next: 0 });
      }
    }
  }
  // Longest path over the forward edges, in topological order (Kahn).
  const forward = edges.filter((_, i) => !back.has(i) && edges[i].from !== edges[i].to);
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const e of forward) indegree.set(e.to, indegree.get(e.to) + 1);
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  while (queue.length) {
    const id = queue.shift();
    for (const e of forward) {
      if (e.from !== id) continue;
      layer.set(e.to, Math.max(layer.get(e.to), layer.get(id) + 1));
      indegree.set(e.to, indegree.get(e.to) - 1);
      if (indegree.get(e.to) === 0) queue.push(e.to);
    }
  }
  return { layer, back };
}

/** Positions of the nodes: `{x, y, w}` by id, and the drawing's size. */
function layout(nodes, edges) {
  // Labelled edges (a workflow's transitions) need room between the layers and the rows.
  const longest = Math.max(0, ...edges.map((e) => Math.min(LABEL_MAX, e.label?.length ?? 0)));
  const COL_GAP = longest ? Math.max(70, longest * 6 + 20) : 70;
  const ROW_GAP = longest ? 56 : 22;
  const ids = nodes.map((n) => n.id);
  const { layer, back } = layering(ids, edges);
  const count = Math.max(0, ...layer.values()) + 1;
  const columns = Array.from({ length: count }, () => []);
  for (const id of ids) columns[layer.get(id)].push(id);
  const neighbours = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (e.from === e.to) continue;
    neighbours.get(e.from)?.push(e.to);
    neighbours.get(e.to)?.push(e.from);
  }
  const rank = new Map();
  const rerank = () => columns.forEach((column) => column.forEach((id, i) => rank.set(id, i)));
  rerank();
  for (let sweep = 0; sweep < 4; sweep++) {
    const order = sweep % 2 === 0 ? columns : [...columns].reverse();
    for (const column of order) {
      const mean = new Map(
        column.map((id) => {
          const near = neighbours.get(id).filter((other) => layer.get(other) !== layer.get(id));
          const value = near.length ? near.reduce((sum, other) => sum + rank.get(other), 0) / near.length : rank.get(id);
          return [id, value];
        }),
      );
      column.sort((a, b) => mean.get(a) - mean.get(b));
      rerank();
    }
  }
  const width = new Map(nodes.map((n) => [n.id, Math.min(260, Math.max(60, n.label.length * CHAR + 24))]));
  const tallest = Math.max(...columns.map((c) => c.length));
  const height = tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const at = new Map();
  let x = PAD;
  for (const column of columns) {
    const w = Math.max(...column.map((id) => width.get(id)));
    const own = column.length * NODE_H + (column.length - 1) * ROW_GAP;
    let y = PAD + (height - own) / 2;
    for (const id of column) {
      at.set(id, { x: x + (w - width.get(id)) / 2, y, w: width.get(id) });
      y += NODE_H + ROW_GAP;
    }
    x += w + COL_GAP;
  }
  // Room below the nodes for the arcs of back edges.
  const arcs = edges.filter((e, i) => back.has(i) || e.from === e.to || layer.get(e.from) >= layer.get(e.to)).length;
  return { at, back, layer, width: x - COL_GAP + PAD, height: PAD * 2 + height + (arcs ? 40 + arcs * 10 : 0), bottom: PAD + height };
}

function shape(node, box) {
  const { x, y, w } = box;
  const attrs = { class: "shape" };
  switch (node.kind) {
    case "input":
    case "trigger":
    case "previous":
      return s("rect", { ...attrs, x, y, width: w, height: NODE_H, rx: NODE_H / 2 });
    case "decision":
    case "approval":
    case "valid": {
      const c = NODE_H / 2;
      return s("polygon", { ...attrs, points: `${x + c},${y} ${x + w - c},${y} ${x + w},${y + c} ${x + w - c},${y + NODE_H} ${x + c},${y + NODE_H} ${x},${y + c}` });
    }
    case "state":
      return s("rect", { ...attrs, x, y, width: w, height: NODE_H, rx: 8 });
    default:
      return s("rect", { ...attrs, x, y, width: w, height: NODE_H, rx: 2 });
  }
}

/** An SVG drawing of `graph` (`{nodes, edges}`), titled `label`. */
export function drawGraph(graph, label) {
  const id = `g${++drawings}`;
  const { nodes, edges } = graph;
  const { at, back, layer, width, height, bottom } = layout(nodes, edges);
  const arrow = `${id}-arrow`;
  const parts = [];
  let arc = 0;
  for (const [i, e] of edges.entries()) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    let d;
    let labelAt;
    if (e.from === e.to) {
      const cx = a.x + a.w / 2;
      d = `M ${cx - 8} ${a.y + NODE_H} C ${cx - 24} ${a.y + NODE_H + 30}, ${cx + 24} ${a.y + NODE_H + 30}, ${cx + 8} ${a.y + NODE_H + 2}`;
      labelAt = [cx, a.y + NODE_H + 34];
    } else if (back.has(i) || layer.get(e.from) >= layer.get(e.to)) {
      // Below every node, so it crosses none.
      const depth = bottom + 24 + 10 * arc++;
      const x1 = a.x + a.w / 2;
      const x2 = b.x + b.w / 2;
      d = `M ${x1} ${a.y + NODE_H} C ${x1} ${depth}, ${x2} ${depth}, ${x2} ${b.y + NODE_H + 2}`;
      labelAt = [(x1 + x2) / 2, depth - 4];
    } else {
      const x1 = a.x + a.w;
      const y1 = a.y + NODE_H / 2;
      const x2 = b.x - 2;
      const y2 = b.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      d = `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`;
      labelAt = [mid, (y1 + y2) / 2 - 4];
    }
    parts.push(
      s(
        "g",
        { class: "edge", "data-from": e.from, "data-to": e.to },
        s("path", { d, "marker-end": `url(#${arrow})` }),
        e.label ? s("text", { x: labelAt[0], y: labelAt[1], "text-anchor": "middle" }, e.label.length > LABEL_MAX ? `${e.label.slice(0, LABEL_MAX - 1)}…` : e.label) : null,
        e.label ? s("title", {}, `${e.from} → ${e.to}: ${e.label}`) : null,
      ),
    );
  }
  for (const node of nodes) {
    const box = at.get(node.id);
    const classes = ["node", `kind-${node.kind}`, node.initial ? "initial" : "", node.final ? "final" : ""].filter(Boolean).join(" ");
    const text = node.label.length > 34 ? `${node.label.slice(0, 33)}…` : node.label;
    parts.push(
      s(
        "g",
        { class: classes, "data-node": node.id },
        shape(node, box),
        node.final ? s("rect", { class: "inner", x: box.x + 3, y: box.y + 3, width: box.w - 6, height: NODE_H - 6, rx: 6 }) : null,
        s("text", { x: box.x + box.w / 2, y: box.y + NODE_H / 2 + 4, "text-anchor": "middle" }, text),
        s("title", {}, [node.label, node.kind, node.note].filter(Boolean).join(" · ")),
      ),
    );
  }
  return s(
    "svg",
    { class: "graph", role: "img", "aria-labelledby": `${id}-title`, width, height, viewBox: `0 0 ${width} ${height}` },
    s("title", { id: `${id}-title` }, label),
    s("defs", {}, s("marker", { id: arrow, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }))),
    parts,
  );
}
