// ConvScope's linked maps: one Streamlit component (components v2, no iframe, no outside request).
//
// It draws pictures of maps (the input, a feature map, its pooled map) side by side and links them
// in the browser, without a rerun: hovering a feature-map cell outlines its receptive field on the
// input and its pooling window's output on the pooled map, and writes the value; a click pins the
// cell and tells Python (state "cell"); "Play" slides the kernel over a small input cell by cell,
// filling the feature map as it goes.
//
// data: bytes (see viz/ui/linked_maps.py, payload): a JSON header
//   {panels: [{role: "input"|"map"|"pooled", title, rows, cols, picture: [at, size, type],
//              values?: [at, size] (float32), ink?: "0101…" (numbers written dark or white)}],
//    conv: {kernel, stride, dilation, pad: [top, left]}, pool: {window, stride, pad} | null,
//    selected: [row, col] (the pinned cell as Python knows it), play: bool, digest}
// followed by the bytes it points into, or by nothing when this digest's bytes were sent before.

const SPEEDS = { slow: 700, normal: 300, fast: 90 };
// The last few payloads whole, by digest: Python sends only the header while the pictures and values
// stay the same, and a component drawn anew (another page and back) finds them here.
const WHOLE = new Map();
const KEEP = 3;

// The data: a 4-byte length, that much JSON, then the pictures' and values' bytes it points into.
function unpack(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const n = new DataView(u8.buffer, u8.byteOffset, 4).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + n)));
  const base = 4 + n;
  const part = ([at, size]) => u8.subarray(base + at, base + at + size);
  return { header, part, whole: u8.length > base };  // header only: the bytes were sent before
}

// viz.render.diverging in the browser, step for step in float32: the lookup table's nearest step to
// value / limit, 0 in the middle, ±limit saturated. One canvas pixel per cell.
function paint(canvas, values, rows, cols, lut, limit) {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  const out = image.data;
  const last = lut.length / 3 - 1, half = last / 2;
  const scale = Math.fround(half / limit), shift = Math.fround(half + 0.5);
  for (let i = 0; i < values.length; i++) {
    let k = Math.fround(Math.fround(values[i] * scale) + shift);
    k = k < 0 ? 0 : k > last ? last : Math.trunc(k);
    if (Number.isNaN(k)) k = 0;
    out[4 * i] = lut[3 * k];
    out[4 * i + 1] = lut[3 * k + 1];
    out[4 * i + 2] = lut[3 * k + 2];
    out[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Like viz.render.format_number: integers as they are, else at most 2 decimals; a true minus sign.
function fmt(v, decimals = 2) {
  if (v === 0) return "0";
  let text;
  if (Number.isInteger(v) && Math.abs(v) < 1e7) text = String(v);
  else if (Math.abs(v) < 1000) {
    text = v.toFixed(decimals).replace(/0+$/, "").replace(/\.$/, "");
    if (text === "-0" || text === "0") text = v.toExponential(1);
  } else text = v.toPrecision(3);
  return text.replace("-", "−");
}

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

// A box over cells [top, top + rows) × [left, left + cols) of a panel, in percent of its size; never
// smaller than a few screen pixels, so it shows on a 1000-cell map too.
function place(box, panel, top, left, rows, cols) {
  const t = Math.max(0, top), l = Math.max(0, left);
  const b = Math.min(panel.rows, top + rows), r = Math.min(panel.cols, left + cols);
  if (b <= t || r <= l) { box.style.display = "none"; return; }
  box.style.display = "block";
  // the centre, kept 4.5 px inside the frame so a 9-px marker on an edge cell is drawn whole
  box.style.top = `clamp(4.5px, ${((t + b) / 2 / panel.rows) * 100}%, calc(100% - 4.5px))`;
  box.style.left = `clamp(4.5px, ${((l + r) / 2 / panel.cols) * 100}%, calc(100% - 4.5px))`;
  box.style.height = `max(9px, ${((b - t) / panel.rows) * 100}%)`;
  box.style.width = `max(9px, ${((r - l) / panel.cols) * 100}%)`;
  Object.assign(box.dataset, { top: t, left: l, rows: b - t, cols: r - l });
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const host = parentElement;
  let root = host.querySelector(".cs-linked");
  if (!root) root = el("div", "cs-linked", host);
  const memo = host.__convscope || (host.__convscope = {});
  const hadFocus = !!(host.activeElement && host.activeElement.classList.contains("cs-frame"));
  let { header, part, whole } = unpack(data);
  // The same pictures and values as last time (a click, a typed row): keep the page as it is and
  // only follow the pin Python sends; nothing is decoded or drawn again (the digest is the encoding's).
  if (memo.digest === header.digest && memo.follow && root.firstChild) {
    memo.follow(header.selected);
    return () => {};
  }
  if (whole) {
    WHOLE.delete(header.digest);
    WHOLE.set(header.digest, data);
    while (WHOLE.size > KEEP) WHOLE.delete(WHOLE.keys().next().value);
  } else if (WHOLE.has(header.digest)) {
    part = unpack(WHOLE.get(header.digest)).part;  // drawn before; this header says where the pin is
  } else {
    // Only the header, and nothing kept to draw it with: ask Python for the whole data (one rerun).
    setStateValue("need", { digest: header.digest, at: Date.now() });
    return () => {};
  }
  memo.digest = header.digest;
  root.replaceChildren();

  for (const url of memo.urls || []) URL.revokeObjectURL(url);
  memo.urls = [];
  const conv = header.conv;
  const pool = header.pool;
  const panels = {};
  const row = el("div", "cs-row", root);
  for (const spec of header.panels) {
    const fig = el("figure", `cs-panel cs-${spec.role}`, row);
    fig.dataset.role = spec.role;
    el("figcaption", "cs-title", fig).textContent = spec.title;
    const scroll = el("div", "cs-scroll", fig);
    const frame = el("div", "cs-frame", scroll);
    frame.style.aspectRatio = `${spec.cols} / ${spec.rows}`;
    const values = spec.values ? new Float32Array(part(spec.values).slice().buffer) : null;
    if (spec.paint !== undefined) {
      paint(el("canvas", "", frame), values, spec.rows, spec.cols, part(spec.lut), spec.paint);
    } else {
      const img = el("img", "", frame);
      img.src = URL.createObjectURL(new Blob([part(spec.picture)], { type: spec.picture[2] }));
      memo.urls.push(img.src);
      img.alt = spec.title;
      img.draggable = false;
    }
    const p = { ...spec, fig, scroll, frame, values, boxes: {} };
    if (values && spec.ink) {
      const grid = el("div", "cs-numbers", frame);
      grid.style.gridTemplateColumns = `repeat(${spec.cols}, 1fr)`;
      let longest = 1;
      for (let i = 0; i < spec.rows * spec.cols; i++) {
        const c = el("span", spec.ink[i] === "1" ? "cs-dark" : "", grid);
        c.textContent = fmt(values[i]);
        longest = Math.max(longest, c.textContent.length);
      }
      // a number fits its cell, whatever width the frame is drawn at
      new ResizeObserver(() => {
        const cell = Math.min(frame.clientWidth / spec.cols, frame.clientHeight / spec.rows);
        grid.style.fontSize = `${Math.max(7, Math.min(24, cell * 0.45, (cell * 0.86) / (longest * 0.62)))}px`;
      }).observe(frame);
    }
    panels[spec.role] = p;
  }
  const map = panels.map;
  const input = panels.input;
  const pooled = panels.pooled;
  const box = (p, name) => p.boxes[name] || (p.boxes[name] = el("div", `cs-box cs-${name}`, p.frame));

  const readout = el("div", "cs-readout", root);
  readout.setAttribute("aria-live", "polite");

  // The cell under the pointer, from the pointer's place in the frame (whatever size it is drawn at).
  const cellAt = (p, ev) => {
    const r = p.frame.getBoundingClientRect();
    const col = Math.floor(((ev.clientX - r.left) / r.width) * p.cols);
    const rw = Math.floor(((ev.clientY - r.top) / r.height) * p.rows);
    return [Math.min(p.rows - 1, Math.max(0, rw)), Math.min(p.cols - 1, Math.max(0, col))];
  };
  const field = (r, c) => {
    const kh = (conv.kernel[0] - 1) * conv.dilation[0] + 1, kw = (conv.kernel[1] - 1) * conv.dilation[1] + 1;
    return [r * conv.stride[0] - conv.pad[0], c * conv.stride[1] - conv.pad[1], kh, kw];
  };
  // The pooled cell whose window holds map cell (r, c): the first one along each axis, if any.
  const pooledOf = (r, c) => {
    if (!pool || !pooled) return null;
    const axis = (v, k) => {
      const first = Math.max(0, Math.ceil((v + pool.pad[k] - pool.window[k] + 1) / pool.stride[k]));
      const start = first * pool.stride[k] - pool.pad[k];
      return start <= v && first < (k ? pooled.cols : pooled.rows) ? first : -1;
    };
    const pr = axis(r, 0), pc = axis(c, 1);
    return pr < 0 || pc < 0 ? null : [pr, pc];
  };
  const value = (p, r, c) => (p.values ? p.values[r * p.cols + c] : null);

  function show(kind, r, c) {
    // kind: "hover" or "pin"; outlines cell (r, c), its receptive field and its pooled cell
    place(box(map, kind), map, r, c, 1, 1);
    box(map, kind).dataset.row = r;
    box(map, kind).dataset.col = c;
    const [top, left, kh, kw] = field(r, c);
    if (input) place(box(input, kind), input, top, left, kh, kw);
    const pc = pooledOf(r, c);
    if (pooled) {
      if (pc) place(box(pooled, kind), pooled, pc[0], pc[1], 1, 1);
      else box(pooled, kind).style.display = "none";
    }
    const v = value(map, r, c);
    let text = `Row ${r}, column ${c}` + (v === null ? "" : `: ${fmt(v, 4)}`);
    text += ` — the kernel reads input rows ${Math.max(0, top)}–${Math.min(input ? input.rows : 1e9, top + kh) - 1}, ` +
      `columns ${Math.max(0, left)}–${Math.min(input ? input.cols : 1e9, left + kw) - 1}`;
    if (pooled) {
      text += pc ? `; pooling passes it on in row ${pc[0]}, column ${pc[1]}` : "; no pooling window reaches it";
      const pv = pc ? value(pooled, pc[0], pc[1]) : null;
      if (pv !== null) text += ` (${fmt(pv, 4)})`;
    }
    readout.textContent = (kind === "pin" ? "Pinned: " : "") + text + ".";
    readout.dataset.kind = kind;
  }
  function hideHover() {
    for (const p of Object.values(panels)) if (p.boxes.hover) p.boxes.hover.style.display = "none";
    if (memo.pinned) show("pin", ...memo.pinned);
  }

  // The pin: Python's choice when it changed (number inputs, a link), else the last click here.
  memo.follow = (sel) => {
    if (!memo.fromPython || memo.fromPython[0] !== sel[0] || memo.fromPython[1] !== sel[1]) {
      memo.fromPython = sel;
      memo.pinned = sel;
    }
    memo.pinned = [Math.min(memo.pinned[0], map.rows - 1), Math.min(memo.pinned[1], map.cols - 1)];
    show("pin", ...memo.pinned);
    root.dataset.pinned = memo.pinned.join(",");
  };
  memo.follow(header.selected);

  map.frame.addEventListener("pointermove", (ev) => {
    if (memo.playing) return;
    const [r, c] = cellAt(map, ev);
    show("hover", r, c);
  });
  map.frame.addEventListener("pointerleave", () => { if (!memo.playing) hideHover(); });
  map.frame.addEventListener("click", (ev) => {
    stop();
    const [r, c] = cellAt(map, ev);
    for (const p of Object.values(panels)) if (p.boxes.hover) p.boxes.hover.style.display = "none";
    pinTo(r, c);
  });
  // Every cell within reach at any width: zoom the map (it scrolls in its panel), or move the pin
  // with the keyboard (arrows, Shift for 10, Home/End and PageUp/PageDown for the edges).
  const pinTo = (r, c) => {
    r = Math.min(map.rows - 1, Math.max(0, r));
    c = Math.min(map.cols - 1, Math.max(0, c));
    memo.pinned = [r, c];
    root.dataset.pinned = `${r},${c}`;
    show("pin", r, c);
    setStateValue("cell", { row: r, col: c, at: Date.now() });
  };
  map.frame.tabIndex = 0;
  map.frame.setAttribute("role", "grid");
  map.frame.setAttribute("aria-label", `${map.title}: ${map.rows} rows, ${map.cols} columns; arrow keys move the pinned cell`);
  // A rerun draws the component anew: keep the keyboard focus and the zoomed map's scroll position.
  map.scroll.addEventListener("scroll", () => { memo.scroll = [map.scroll.scrollLeft, map.scroll.scrollTop]; });
  if (hadFocus) requestAnimationFrame(() => map.frame.focus({ preventScroll: true }));
  map.frame.addEventListener("keydown", (ev) => {
    const [r, c] = memo.pinned, n = ev.shiftKey ? 10 : 1;
    const moves = {
      ArrowUp: [r - n, c], ArrowDown: [r + n, c], ArrowLeft: [r, c - n], ArrowRight: [r, c + n],
      Home: [r, 0], End: [r, map.cols - 1], PageUp: [0, c], PageDown: [map.rows - 1, c],
    };
    if (!moves[ev.key]) return;
    ev.preventDefault();
    stop();
    pinTo(...moves[ev.key]);
  });
  if (map.cols > 64 || map.rows > 64) {
    const zoom = el("div", "cs-zoom", map.fig);
    const label = el("span", "cs-zoom-label", zoom);
    const setZoom = (z) => {
      memo.zoom = z;
      map.frame.style.width = `${z * 100}%`;
      label.textContent = `Zoom ${z}×`;
    };
    for (const [text, title, f] of [["−", "Zoom out", 0.5], ["+", "Zoom in", 2]]) {
      const b = el("button", "", zoom);
      b.type = "button";
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.addEventListener("click", () => {
        const [r, c] = memo.pinned;
        setZoom(Math.min(16, Math.max(1, (memo.zoom || 1) * f)));
        // keep the pinned cell in view
        map.scroll.scrollLeft = ((c + 0.5) / map.cols) * map.frame.clientWidth - map.scroll.clientWidth / 2;
        map.scroll.scrollTop = ((r + 0.5) / map.rows) * map.frame.clientHeight - map.scroll.clientHeight / 2;
      });
    }
    zoom.appendChild(label);
    setZoom(memo.zoom || 1);
    if (memo.scroll) requestAnimationFrame(() => { [map.scroll.scrollLeft, map.scroll.scrollTop] = memo.scroll; });
  }
  if (pooled) {
    pooled.frame.addEventListener("pointermove", (ev) => {
      if (memo.playing) return;
      const [r, c] = cellAt(pooled, ev);
      place(box(pooled, "hover"), pooled, r, c, 1, 1);
      place(box(map, "hover"), map, r * pool.stride[0] - pool.pad[0], c * pool.stride[1] - pool.pad[1], pool.window[0], pool.window[1]);
      if (input && input.boxes.hover) input.boxes.hover.style.display = "none";
      const v = value(pooled, r, c);
      readout.textContent = `Pooled row ${r}, column ${c}` + (v === null ? "" : `: ${fmt(v, 4)}`) +
        ` — its window covers feature-map rows ${Math.max(0, r * pool.stride[0] - pool.pad[0])}–` +
        `${Math.min(map.rows, r * pool.stride[0] - pool.pad[0] + pool.window[0]) - 1}, columns ` +
        `${Math.max(0, c * pool.stride[1] - pool.pad[1])}–${Math.min(map.cols, c * pool.stride[1] - pool.pad[1] + pool.window[1]) - 1}.`;
      readout.dataset.kind = "hover";
    });
    pooled.frame.addEventListener("pointerleave", () => { if (!memo.playing) hideHover(); });
  }

  // ---------------------------------------------------------------- play: the kernel slides
  let timer = null;
  const total = map.rows * map.cols;
  const controls = header.play ? el("div", "cs-play", root) : null;
  function reveal(step) {
    // step cells of the feature map are done; the kernel sits on the last of them
    memo.step = step;
    if (map.cover) map.cover.forEach((c, i) => c.classList.toggle("cs-hidden", i >= step));
    if (controls) controls.querySelector(".cs-count").textContent = `${step} / ${total}`;
    root.dataset.step = step;
    if (step > 0) show("hover", Math.floor((step - 1) / map.cols), (step - 1) % map.cols);
  }
  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    memo.playing = false;
    if (controls) controls.querySelector(".cs-toggle").textContent = "▶ Play";
  }
  function finish() {
    stop();
    if (map.cover) map.cover.forEach((c) => c.classList.remove("cs-hidden"));
    memo.step = null;
    delete root.dataset.step;
    hideHover();
  }
  if (controls) {
    // a cover over every feature-map cell, lifted as the kernel reaches it
    const cover = el("div", "cs-cover", map.frame);
    cover.style.gridTemplateColumns = `repeat(${map.cols}, 1fr)`;
    map.cover = [];
    for (let i = 0; i < total; i++) map.cover.push(el("span", "", cover));
    const button = (label, title, fn, cls = "") => {
      const b = el("button", cls, controls);
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.addEventListener("click", fn);
      return b;
    };
    button("|◀", "Back to the start", () => { stop(); reveal(0); });
    button("◀", "One cell back", () => { stop(); reveal(Math.max(0, (memo.step ?? total) - 1)); });
    button("▶ Play", "Play: slide the kernel over the input", () => {
      if (memo.playing) { stop(); return; }
      if (memo.step == null || memo.step >= total) reveal(0);
      memo.playing = true;
      controls.querySelector(".cs-toggle").textContent = "⏸ Pause";
      const tick = () => {
        if (memo.step >= total) { stop(); return; }
        reveal(memo.step + 1);
      };
      tick();
      timer = setInterval(tick, SPEEDS[memo.speed || "normal"]);
    }, "cs-toggle");
    button("▶", "One cell forward", () => { stop(); reveal(Math.min(total, (memo.step ?? 0) + 1)); });
    button("▶|", "Show the whole map", finish);
    const speed = el("select", "cs-speed", controls);
    speed.setAttribute("aria-label", "Speed");
    for (const name of Object.keys(SPEEDS)) {
      const o = el("option", "", speed);
      o.value = name;
      o.textContent = name[0].toUpperCase() + name.slice(1);
    }
    speed.value = memo.speed || "normal";
    speed.addEventListener("change", () => {
      memo.speed = speed.value;
      if (memo.playing) { stop(); controls.querySelector(".cs-toggle").click(); }
    });
    el("span", "cs-count", controls).textContent = `${total} / ${total}`;
    if (memo.step != null && memo.step < total) reveal(memo.step);
  }

  return () => { if (timer) clearInterval(timer); memo.playing = false; };
}
