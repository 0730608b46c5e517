// The interactive page: one state, rendered whole.
//
// The page holds the run's data once (view: the drawn graph and one state per step) and a
// small model: which state, which phase (forward, backward step k, the update), which node is
// selected, any numbers the student has edited, and the viewport.  Every control only changes
// the model; render() then draws every box, the panel, the status line, the update table and
// the loss curve from it, so no number on screen can come from another state.
(function () {
  "use strict";
  var view = JSON.parse(document.getElementById("data").textContent);
  var OPS = window.TINYGRAD_OPS || {};
  var W = view.words, nodes = view.nodes, edges = view.edges, states = view.states;
  var el = function (id) { return document.getElementById(id); };
  var svg = el("graph");

  // ---- numbers for people (6 significant digits, as the command line prints them) ----
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) { return W.not_number; }
    if (x === 0) { return "0"; }
    var t = Number(x).toPrecision(6);
    if (t.indexOf("e") >= 0) {
      var parts = t.split("e"), m = parts[0];
      if (m.indexOf(".") >= 0) { m = m.replace(/0+$/, "").replace(/\.$/, ""); }
      var e = Number(parts[1]);
      return m + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    if (t.indexOf(".") >= 0) { t = t.replace(/0+$/, "").replace(/\.$/, ""); }
    return t;
  }
  function text(s) { return document.createTextNode(s); }
  // ∂L/∂(y1 − q11): a label that is a formula goes in brackets
  function d(label) { return /[\s+\-−·×÷^\/()…,]/.test(label) ? "(" + label + ")" : label; }
  function partial(top, bottom) { return "∂" + d(top) + "/∂" + d(bottom); }
  function make(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === "string" ? text(c) : c); });
    return e;
  }

  // ---- the model, and the only functions that change it ----
  var model = { state: 0, phase: "backward", k: states[0].steps.length, selected: null,
                edited: null, edits: {}, lr: null };
  function current() { return model.edited || states[model.state]; }
  function set(changes) {
    Object.keys(changes).forEach(function (key) { model[key] = changes[key]; });
    if (!("error" in changes)) { model.error = ""; }
    render();
  }
  function goState(s) {
    s = Math.max(0, Math.min(states.length - 1, s));
    set({ state: s, edited: null, edits: {}, lr: null, phase: "backward",
          k: states[s].steps.length });
  }
  function stepBy(by) {
    var K = current().steps.length, hasUpdate = !!current().update;
    // the sequence: forward, backward 0 … K, update
    var order = ["forward"].concat(range(K + 1).map(function (k) { return "b" + k; }));
    if (hasUpdate) { order.push("update"); }
    var here = model.phase === "forward" ? 0 : model.phase === "update" ? order.length - 1 :
      1 + model.k;
    var next = Math.max(0, Math.min(order.length - 1, here + by));
    var name = order[next];
    if (name === "forward") { set({ phase: "forward" }); }
    else if (name === "update") { set({ phase: "update" }); }
    else { set({ phase: "backward", k: Number(name.slice(1)) }); }
  }
  function range(n) { var r = []; for (var i = 0; i < n; i++) { r.push(i); } return r; }

  // ---- what the boxes show in a phase ----
  function gradientsShown(st) {
    var shown = nodes.map(function () { return undefined; });
    if (model.phase === "forward") { return shown; }
    var K = st.steps.length, k = model.phase === "update" ? K : Math.min(model.k, K);
    if (k >= K) { return st.grads.slice(); }
    if (K) { shown[st.steps[0].node] = st.steps[0].grad; }
    for (var j = 0; j < k; j++) {
      st.steps[j].changes.forEach(function (c) { shown[c[0]] = c[1]; });
    }
    return shown;
  }
  function colour(g, scale) {
    if (g === undefined) { return "#eeeeee"; }
    if (g === null) { return "#f2d16b"; }                      // not a finite number
    var t = scale > 0 ? Math.sqrt(Math.min(1, Math.abs(g) / scale)) : 0;
    var base = g > 0 ? [214, 69, 65] : [52, 120, 198];
    var c = base.map(function (v) { return Math.round(255 + (v - 255) * t * 0.85); });
    return "rgb(" + c.join(",") + ")";
  }

  // ---- render: everything from the model ----
  function render() {
    var st = current(), shown = gradientsShown(st);
    var scale = 0;
    st.grads.forEach(function (g) { if (g !== null && Math.abs(g) > scale) { scale = Math.abs(g); } });
    var K = st.steps.length, k = model.phase === "backward" ? model.k : model.phase === "update" ? K : -1;
    var done = {}, cur = null;
    for (var j = 0; j < Math.min(Math.max(k, 0), K) && k < K; j++) { done[st.steps[j].node] = true; }
    if (model.phase === "backward" && k > 0 && k < K) { cur = st.steps[k - 1].node; }
    var missing = {};
    st.missing.forEach(function (i) { missing[i] = true; });
    var updated = {};
    if (model.phase === "update" && st.update) {
      st.update.rows.forEach(function (r) { updated[r[0]] = r[3]; });
    }
    nodes.forEach(function (n) {
      var box = el("n" + n.id), g = shown[n.id], v = st.values[n.id];
      var value = updated[n.id] !== undefined ? updated[n.id] : v;
      box.setAttribute("data-value", JSON.stringify(v === undefined ? null : v));
      box.setAttribute("data-grad", JSON.stringify(g === undefined ? null : g));
      box.setAttribute("data-shown-grad", g === undefined ? "" : JSON.stringify(g));
      box.querySelector(".v").textContent = missing[n.id] ? "—" :
        (updated[n.id] !== undefined ? fmt(v) + " → " + fmt(value) : fmt(value));
      box.querySelector(".g").textContent = missing[n.id] ? W.not_in_batch :
        g === undefined ? W.not_yet : fmt(g);
      box.querySelector("rect").setAttribute("fill", missing[n.id] ? "#f7f7f7" : colour(g, scale));
      box.classList.toggle("missing", !!missing[n.id]);
      box.classList.toggle("current", n.id === cur);
      box.classList.toggle("done", !!done[n.id] && n.id !== cur);
      box.classList.toggle("waiting", model.phase === "backward" && g === undefined);
      box.classList.toggle("selected", n.id === model.selected);
      box.classList.toggle("updated", updated[n.id] !== undefined);
      box.classList.toggle("edited", model.edits[n.id] !== undefined);
      box.setAttribute("aria-label", n.label + ", " + W.value + " " + box.querySelector(".v")
        .textContent + ", " + W.grad + " " + box.querySelector(".g").textContent);
      var op = st.ops && st.ops[n.id];
      if (op !== undefined) { box.querySelector(".head").textContent = n.label + "  " + op; }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".edge"), function (e) {
      var from = Number(e.getAttribute("data-from")), to = Number(e.getAttribute("data-to"));
      e.classList.toggle("hot", from === model.selected || to === model.selected ||
                                (cur !== null && to === cur));
    });
    renderStatus(st, K, k, cur);
    renderPanel(st, shown);
    renderUpdate(st);
    renderCurve();
    var slider = el("state");
    if (slider) { slider.value = String(model.state); slider.disabled = false; }
    el("phase-forward").setAttribute("aria-pressed", String(model.phase === "forward"));
    el("phase-backward").setAttribute("aria-pressed",
                                      String(model.phase === "backward" && k >= K));
    if (el("phase-update")) {
      el("phase-update").setAttribute("aria-pressed", String(model.phase === "update"));
    }
    el("reset-edits").hidden = !model.edited;
    el("edit-error").textContent = model.error || "";
    if (cur !== null) { keepInView(cur); }
  }

  function renderStatus(st, K, k, cur) {
    var parts = [];
    if (st.epoch !== undefined) {
      parts.push(W.epoch + " " + st.epoch + (states.length > 1 ? " (" + W.state + " " +
                 (model.state + 1) + " " + W.of + " " + states.length + ")" : ""));
      if (st.points) { parts.push(W.points + " " + st.points.join(", ")); }
    }
    parts.push(nodes[view.output].label + " = " + fmt(st.values[view.output]));
    var phase = model.phase === "forward" ? W.forward : model.phase === "update" ? W.update :
      (k >= K ? W.gradients : W.backward_phase + " " + k + " / " + K);
    parts.push(W.phase + ": " + phase);
    if (model.phase === "update" && st.loss_after !== undefined) {
      parts.push(W.loss_after + " = " + fmt(st.loss_after));
    }
    if (model.edited) { parts.push(W.edited); }
    el("status").textContent = parts.join(" · ");
    var line = "";
    if (model.phase === "backward" && k > 0 && k < K) {
      var v = st.steps[k - 1].node;
      line = W.step + " " + k + " / " + K + ": " + nodes[v].label + ", " +
        partial(nodes[view.output].label, nodes[v].label) + " = " + fmt(st.steps[k - 1].grad);
    }
    el("step-text").textContent = line;
  }

  function renderPanel(st, shown) {
    var panel = el("panel");
    panel.textContent = "";
    var i = model.selected;
    if (i === null) { panel.appendChild(make("p", {}, [W.select])); return; }
    var n = nodes[i], out = nodes[view.output], missing = st.missing.indexOf(i) >= 0;
    var op = (st.ops && st.ops[i] !== undefined) ? st.ops[i] : n.op;
    panel.appendChild(make("h2", { id: "panel-title" },
                           [n.label + (op.indexOf(" ") >= 0 ? "  (" + op + ")" : "")]));
    if (n.formula && n.formula !== n.label) {
      panel.appendChild(make("p", { id: "panel-formula" }, [W.formula + ": " + n.formula]));
    }
    var g = shown[i], after = updatedValue(st, i);
    var valueText = missing ? W.not_in_batch : fmt(st.values[i]) +
      (after !== undefined ? " → " + fmt(after) : "");
    panel.appendChild(make("p", { id: "panel-grad" }, [W.value + " = " + valueText + ";  " +
      partial(out.label, n.label) + " = " + (missing ? W.not_in_batch :
                                             g === undefined ? W.not_yet : fmt(g))]));
    if (n.leaf && view.editable) {
      var input = make("input", { id: "edit-value", type: "text", inputmode: "decimal",
                                  "aria-label": W.edit + " " + n.label,
                                  value: String(st.values[i]) });
      var button = make("button", { type: "button", id: "edit-apply" }, [W.edit]);
      var apply = function () { edit(i, input.value); };
      button.addEventListener("click", apply);
      input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { apply(); } });
      panel.appendChild(make("p", { class: "edit" }, [input, " ", button]));
    } else if (n.leaf && !view.editable) {
      panel.appendChild(make("p", { class: "note" }, [W.edit_off]));
    }
    [[W.inputs, "to", "from"], [W.used_by, "from", "to"]].forEach(function (spec) {
      panel.appendChild(make("h2", {}, [spec[0]]));
      var rows = [];
      edges.forEach(function (e, k) {
        if (e[spec[1]] === i) { rows.push([e, st.locals[k]]); }
      });
      if (!rows.length) { panel.appendChild(text(W.none)); return; }
      var table = make("table", {}, []);
      rows.forEach(function (r) {
        var gone = st.missing.indexOf(r[0].to) >= 0 || st.missing.indexOf(r[0].from) >= 0;
        table.appendChild(make("tr", {}, [make("td", {}, [
          partial(nodes[r[0].to].label, nodes[r[0].from].label) + " = " +
          (gone ? W.not_in_batch : fmt(r[1]))])]));
      });
      panel.appendChild(table);
    });
    panel.appendChild(make("h2", {}, [W.paths]));
    var e = model.edited ? pathSum(st, i) : st.explanations[String(i)];
    panel.appendChild(make("pre", { id: "panel-paths" }, [
      i === view.output ? partial(n.label, n.label) + " = 1" :
        g === undefined || missing ? W.not_yet :            // not before backward reaches it
          (e === undefined ? W.no_paths : e)]));
  }

  // After an edit the path sum is worked out here, from the edited state's local derivatives:
  // the number of paths and their sum by dynamic programming over the drawn graph (consumers
  // first), and the path with the largest |product| (the best completion of every node).
  function pathSum(st, i) {
    if (!view.program) { return undefined; }
    var order = view.program.code.map(function (c) { return c[0]; });
    var inOrder = {};
    order.forEach(function (v) { inOrder[v] = true; });
    nodes.forEach(function (n) { if (!inOrder[n.id]) { order.unshift(n.id); } });
    var out = {};
    edges.forEach(function (e, k) { (out[e.from] = out[e.from] || []).push([e.to, k]); });
    var count = {}, sum = {}, best = {}, next = {};
    count[view.output] = 1; sum[view.output] = 1; best[view.output] = 1;
    for (var r = order.length - 1; r >= 0; r--) {
      var v = order[r];
      if (v === view.output) { continue; }
      (out[v] || []).forEach(function (edge) {
        var w = edge[0], d = st.locals[edge[1]];
        if (count[w] === undefined || d === null) { return; }
        count[v] = (count[v] || 0) + count[w];
        sum[v] = (sum[v] || 0) + d * sum[w];
        var here = Math.abs(d) * best[w];
        if (best[v] === undefined || here > best[v]) { best[v] = here; next[v] = [w, d]; }
      });
    }
    if (count[i] === undefined) { return undefined; }
    var route = [nodes[i].label], factors = [], product = 1, v = i;
    while (v !== view.output && next[v]) {
      factors.push(partial(nodes[next[v][0]].label, nodes[v].label) + " = " + fmt(next[v][1]));
      product *= next[v][1];
      v = next[v][0];
      route.push(nodes[v].label);
    }
    var top = nodes[view.output].label;
    return W.path_sum.replace("{what}", partial(top, nodes[i].label))
      .replace("{count}", String(count[i])).replace("{total}", fmt(sum[i])) + "\n" +
      W.largest_path + ": " + route.join(" → ") + "\n  " + factors.join("\n  ") +
      "\n  " + W.product + " = " + fmt(product);
  }

  function updatedValue(st, i) {
    if (model.phase !== "update" || !st.update) { return undefined; }
    var row = st.update.rows.filter(function (r) { return r[0] === i; })[0];
    return row ? row[3] : undefined;
  }

  function renderUpdate(st) {
    var box = el("update");
    if (!box) { return; }
    box.textContent = "";
    box.appendChild(make("h2", {}, [W.update]));
    if (!st.update) { box.appendChild(make("p", {}, [W.none])); return; }
    if (model.phase !== "update") {
      var show = make("button", { type: "button", id: "show-update" }, [W.update]);
      show.addEventListener("click", function () { set({ phase: "update" }); });
      box.appendChild(make("p", {}, [show]));
      return;
    }
    var lr = model.lr !== null ? model.lr : st.update.lr;
    var rule = make("p", { id: "update-rule" }, [(st.update.text || W.update_rule) + "  "]);
    if (view.editable && st.update.rule === "sgd") {
      var input = make("input", { id: "edit-lr", type: "text", inputmode: "decimal",
                                  "aria-label": W.lr, value: String(lr), size: "8" });
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { edit(null, input.value); }
      });
      var setLr = make("button", { type: "button", id: "edit-lr-apply" }, [W.edit]);
      setLr.addEventListener("click", function () { edit(null, input.value); });
      rule.appendChild(make("label", {}, ["η = ", input]));
      rule.appendChild(text(" "));
      rule.appendChild(setLr);
    } else {
      rule.appendChild(text(st.update.text ? fmt(lr) : "η = " + fmt(lr)));
    }
    box.appendChild(rule);
    var table = make("table", { id: "update-table" }, []);
    table.appendChild(make("tr", {}, ["θ", "θ", "∂L/∂θ", W.new_value].map(function (h, c) {
      return make("th", {}, [c === 1 ? W.value : h]);
    })));
    st.update.rows.forEach(function (r) {
      var tr = make("tr", { "data-node": String(r[0]) }, [
        make("td", {}, [nodes[r[0]].label]),
        make("td", {}, [fmt(r[1])]),
        make("td", {}, [fmt(r[2])]),
        make("td", { class: "after" }, [r[3] === null ? W.not_number : fmt(r[3])])]);
      table.appendChild(tr);
    });
    box.appendChild(table);
    box.appendChild(make("p", { id: "loss-after" }, [W.loss_after + " = " + fmt(st.loss_after)]));
  }

  function renderCurve() {
    var mark = el("loss-mark");
    if (!mark) { return; }
    mark.setAttribute("visibility", model.edited ? "hidden" : "visible");
    el("curve-note").textContent = model.edited ? W.original_run : "";
    var pts = (document.querySelector("#loss polyline").getAttribute("points") || "").split(" ");
    var xy = (pts[model.state] || "-10,-10").split(",");
    mark.setAttribute("cx", xy[0]);
    mark.setAttribute("cy", xy[1]);
  }

  // ---- live editing: the evaluator generated from the engine's op table ----
  function evaluate(base, edits, lr) {
    var values = base.values.slice();
    Object.keys(edits).forEach(function (i) { values[Number(i)] = edits[i]; });
    var args = {}, outs = {};
    view.program.code.forEach(function (entry) {
      var a = entry[2].map(function (r) { return Array.isArray(r) ? r[1] : values[r]; });
      var o = OPS[entry[1]].f(a);
      values[entry[0]] = o;
      args[entry[0]] = a;
      outs[entry[0]] = o;
    });
    var keys = {};
    view.program.code.forEach(function (entry) { keys[entry[0]] = entry; });
    var grads = nodes.map(function () { return 0; });
    var locals = edges.map(function () { return null; });
    var position = {};
    edges.forEach(function (e, k) { position[e.from + ">" + e.to] = k; });
    var steps = [];
    var seen = {};
    grads[view.output] = 1;
    var order = base.steps.map(function (s) { return s.node; });
    order.forEach(function (v) {
      var entry = keys[v], g = grads[v];
      var d = OPS[entry[1]].d(args[v], outs[v]);
      var changes = {}, local = {};
      entry[2].forEach(function (r, p) {
        if (Array.isArray(r)) { return; }
        grads[r] = grads[r] + d[p] * g;
        changes[r] = grads[r];
        local[r] = (local[r] || 0) + d[p];
        seen[r] = true;
      });
      Object.keys(local).forEach(function (r) {
        var k = position[r + ">" + v];
        if (k !== undefined) { locals[k] = local[r]; }
      });
      steps.push({ node: v, grad: g, changes: Object.keys(changes).map(function (r) {
        return [Number(r), changes[r]]; }).sort(function (x, y) { return x[0] - y[0]; }) });
    });
    grads = grads.map(function (g, i) { return i === view.output || seen[i] ? g : 0; });
    var state = { values: values, grads: grads, locals: locals, steps: steps, missing: [],
                  loss: values[view.output], explanations: {}, epoch: base.epoch,
                  points: base.points, edited: true, update: null };
    if (base.update) {
      var rule = base.update.rule;
      var rows = base.update.rows.map(function (r) {
        var before = values[r[0]], g = grads[r[0]];
        return [r[0], before, g, rule === "sgd" ? before - lr * g : null];
      });
      state.update = { lr: lr, rule: rule, rows: rows };
      if (rule === "sgd") {
        var after = {};
        rows.forEach(function (r) { after[r[0]] = r[3]; });
        var again = evaluateForward(values, after);
        state.loss_after = again[view.output];
      } else { state.loss_after = null; }
    }
    state.values = state.values.map(function (v) { return isFinite(v) ? v : null; });
    state.grads = state.grads.map(function (v) { return isFinite(v) ? v : null; });
    return state;
  }
  function evaluateForward(base, changes) {
    var values = base.slice();
    Object.keys(changes).forEach(function (i) { values[Number(i)] = changes[i]; });
    view.program.code.forEach(function (entry) {
      var a = entry[2].map(function (r) { return Array.isArray(r) ? r[1] : values[r]; });
      values[entry[0]] = OPS[entry[1]].f(a);
    });
    return values;
  }
  var DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  function edit(i, typed) {
    var t = String(typed).trim().replace("−", "-"), x = Number(t);
    if (!DECIMAL.test(t) || !isFinite(x)) {
      set({ error: W.not_number + ": " + t.slice(0, 40) });
      return;
    }
    var edits = Object.assign({}, model.edits);
    var lr = model.lr !== null ? model.lr : (states[model.state].update || {}).lr;
    if (i === null) { lr = x; } else { edits[i] = x; }
    var st = evaluate(states[model.state], edits, lr);
    var finite = st.values[view.output] !== null && st.grads.every(function (g) { return g !== null; });
    set({ edited: st, edits: edits, lr: lr, error: finite ? "" : W.overflow });
  }

  // ---- the viewport: fit, pan and zoom with pointer, wheel and touch ----
  var full = { w: Number(svg.getAttribute("data-width")), h: Number(svg.getAttribute("data-height")) };
  var vb = { x: 0, y: 0, w: full.w, h: full.h };
  function applyViewBox() {
    svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(function (v) {
      return v.toFixed(1); }).join(" "));
  }
  function size() {                     // the graph fills the window below the toolbar
    var canvas = el("canvas"), aside = document.querySelector("aside");
    if (window.innerWidth >= 900) {
      var top = canvas.getBoundingClientRect().top + window.scrollY;
      var h = Math.max(280, window.innerHeight - top - 8) + "px";
      canvas.style.height = h;
      aside.style.maxHeight = h;
    } else {
      canvas.style.height = "";
      aside.style.maxHeight = "";
    }
  }
  function fit() {
    size();
    var box = svg.getBoundingClientRect();
    var aspect = box.width > 0 && box.height > 0 ? box.width / box.height : full.w / full.h;
    var w = full.w, h = full.h;
    if (w / h > aspect) { h = w / aspect; } else { w = h * aspect; }
    vb = { x: (full.w - w) / 2, y: (full.h - h) / 2, w: w, h: h };
    applyViewBox();
  }
  function zoom(factor, cx, cy) {
    var nw = Math.max(40, Math.min(full.w * 8, vb.w * factor)), f = nw / vb.w;
    cx = cx === undefined ? vb.x + vb.w / 2 : cx;
    cy = cy === undefined ? vb.y + vb.h / 2 : cy;
    vb = { x: cx - (cx - vb.x) * f, y: cy - (cy - vb.y) * f, w: vb.w * f, h: vb.h * f };
    applyViewBox();
  }
  function toGraph(clientX, clientY) {
    var box = svg.getBoundingClientRect();
    return { x: vb.x + (clientX - box.left) / box.width * vb.w,
             y: vb.y + (clientY - box.top) / box.height * vb.h };
  }
  function keepInView(i) {
    var n = nodes[i], x = Number(el("n" + i).getAttribute("data-x")),
      y = Number(el("n" + i).getAttribute("data-y"));
    var w = Number(svg.getAttribute("data-box-w")), h = Number(svg.getAttribute("data-box-h"));
    if (x >= vb.x && y >= vb.y && x + w <= vb.x + vb.w && y + h <= vb.y + vb.h) { return; }
    vb.x = x + w / 2 - vb.w / 2;
    vb.y = y + h / 2 - vb.h / 2;
    applyViewBox();
    return n;
  }
  var pointers = {}, panFrom = null, pinchFrom = null;
  svg.addEventListener("pointerdown", function (ev) {
    pointers[ev.pointerId] = { x: ev.clientX, y: ev.clientY };
    var ids = Object.keys(pointers);
    if (ids.length === 1) { panFrom = { x: ev.clientX, y: ev.clientY, vb: Object.assign({}, vb) }; }
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinchFrom = { d: Math.hypot(a.x - b.x, a.y - b.y), vb: Object.assign({}, vb) };
      panFrom = null;
    }
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!pointers[ev.pointerId]) { return; }
    pointers[ev.pointerId] = { x: ev.clientX, y: ev.clientY };
    var ids = Object.keys(pointers), box = svg.getBoundingClientRect();
    if (ids.length === 2 && pinchFrom) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d > 0) {
        vb = Object.assign({}, pinchFrom.vb);
        var c = toGraph((a.x + b.x) / 2, (a.y + b.y) / 2);
        zoom(pinchFrom.d / d, c.x, c.y);
      }
    } else if (panFrom && box.width > 0) {
      var dx = (ev.clientX - panFrom.x) / box.width * vb.w;
      var dy = (ev.clientY - panFrom.y) / box.height * vb.h;
      if (Math.abs(ev.clientX - panFrom.x) + Math.abs(ev.clientY - panFrom.y) > 3) {
        svg.classList.add("panning");
      }
      vb = { x: panFrom.vb.x - dx, y: panFrom.vb.y - dy, w: vb.w, h: vb.h };
      applyViewBox();
    }
  });
  function release(ev) {
    delete pointers[ev.pointerId];
    if (!Object.keys(pointers).length) {
      panFrom = null; pinchFrom = null;
      setTimeout(function () { svg.classList.remove("panning"); }, 0);
    }
  }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var c = toGraph(ev.clientX, ev.clientY);
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, c.x, c.y);
  }, { passive: false });

  // ---- controls: each only changes the model ----
  nodes.forEach(function (n) {
    var g = el("n" + n.id);
    g.addEventListener("click", function () {
      if (svg.classList.contains("panning")) { return; }
      set({ selected: n.id });
      if (window.innerWidth < 900) { el("panel").scrollIntoView({ block: "nearest" }); }
    });
    g.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); set({ selected: n.id }); }
    });
  });
  el("next").addEventListener("click", function () { stepBy(1); });
  el("prev").addEventListener("click", function () { stepBy(-1); });
  el("reset").addEventListener("click", function () {
    goState(model.state);
    set({ phase: "forward" });
  });
  el("phase-forward").addEventListener("click", function () { set({ phase: "forward" }); });
  el("phase-backward").addEventListener("click", function () {
    set({ phase: "backward", k: current().steps.length });
  });
  if (el("phase-update")) {
    el("phase-update").addEventListener("click", function () { set({ phase: "update" }); });
  }
  el("reset-edits").addEventListener("click", function () {
    set({ edited: null, edits: {}, lr: null });
  });
  el("zoom-in").addEventListener("click", function () { zoom(1 / 1.3); });
  el("zoom-out").addEventListener("click", function () { zoom(1.3); });
  el("zoom-fit").addEventListener("click", fit);
  var slider = el("state");
  if (slider) {
    slider.addEventListener("input", function () { goState(Number(slider.value)); });
    el("state-prev").addEventListener("click", function () { goState(model.state - 1); });
    el("state-next").addEventListener("click", function () { goState(model.state + 1); });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT") { return; }
    if (ev.key === "ArrowRight") { ev.preventDefault(); stepBy(1); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); stepBy(-1); }
    else if (ev.key === "+" || ev.key === "=") { zoom(1 / 1.3); }
    else if (ev.key === "-") { zoom(1.3); }
    else if (ev.key === "0") { fit(); }
  });
  window.addEventListener("resize", fit);
  window.tinygradPage = { model: model, set: set, goState: goState, edit: edit,
                          viewBox: function () { return vb; }, fit: fit };
  fit();
  render();
})();
