/* The interactive graph page's behaviour (kg.export.html): reads the JSON in #kg-data, draws it with
   vis-network, and wires search, filters, tooltips and the side panel. Input text only ever goes
   through textContent / createTextNode: it is data, never markup. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  /* milliseconds since navigation start (so page download and HTML parsing count too) */
  var timings = { parsed: performance.now(), firstDraw: null, settled: null };
  window.kgTimings = timings;
  var typeStyle = {};
  data.types.forEach(function (t) { typeStyle[t.name] = t; });
  var OTHER = { color: "#8c8c8c", shape: "hexagon", glyph: "\u2b22" };
  var PALETTE = { Paper: "#4e79a7", Method: "#f28e2b", Dataset: "#59a14f", Modality: "#b07aa1", Claim: "#e0b000", Person: "#76b7b2" };
  function styleOf(type) { return typeStyle[type] || (PALETTE[type] ? { color: PALETTE[type], glyph: "" } : OTHER); }

  /* every record the page knows: drawn nodes, searchable extras, papers the panels list */
  var nodeById = {};
  var drawn = {};
  data.nodes.forEach(function (n) { nodeById[n.id] = n; drawn[n.id] = true; });
  data.extra.forEach(function (n) { nodeById[n.id] = n; });
  data.papers.forEach(function (n) { if (!nodeById[n.id]) { nodeById[n.id] = n; } });
  var edgeById = {};
  data.edges.forEach(function (e) { edgeById[e.id] = e; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function truncate(s, n) { s = String(s || ""); return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function isWebUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s]+$/i.test(u); }
  function rgb(hex) { var n = parseInt(hex.slice(1), 16); return [n >> 16, (n >> 8) & 255, n & 255]; }
  function tint(hex, a) { return "rgb(" + rgb(hex).map(function (c) { return Math.round(c + (255 - c) * a); }).join(",") + ")"; }
  function shade(hex, a) { return "rgb(" + rgb(hex).map(function (c) { return Math.round(c * (1 - a)); }).join(",") + ")"; }
  function nameOf(id) { var n = nodeById[id]; return n ? n.name : (data.names[id] ? data.names[id][1] : id); }
  function typeOf(id) { var n = nodeById[id]; return n ? n.type : (data.names[id] ? data.names[id][0] : "Other"); }

  /* ---------- tooltips (DOM elements, so vis-network never parses them as HTML) ---------- */
  function nodeTooltip(n) {
    var box = el("div", "kg-tip");
    add(box, el("div", "tip-type", n.type)).style.color = styleOf(n.type).color;
    add(box, el("div", "tip-head", n.name));
    var a = n.attrs || {}, sub = [];
    if (n.type === "Paper") {
      if (a.date) { sub.push(a.date); } else if (a.year) { sub.push(String(a.year)); }
      if (a.authors && a.authors.length) { sub.push(truncate(a.authors.join(", "), 80)); }
    } else if (n.type === "Claim") {
      if (a.hedged) { sub.push("hedged"); }
    } else if (typeof a.papers === "number") {
      sub.push(plural(a.papers, "paper"));
      if (a.aliases && a.aliases.length > 1) { sub.push("aka " + truncate(a.aliases.join(", "), 80)); }
    }
    sub.push(plural(n.degree, "link"));
    add(box, el("div", "tip-sub", sub.join(" \u00b7 ")));
    return box;
  }
  function sentences(e) {
    var seen = {}, out = [];
    (e.evidence || []).forEach(function (ev) {
      var s = ev.sentence || ev.text;
      if (s && !seen[s]) { seen[s] = true; out.push(s); }
    });
    return out;
  }
  function edgeTooltip(e) {
    var box = el("div", "kg-tip");
    add(box, el("div", "tip-head", e.type === "coOccurs" ? "co-occur in " + plural(e.weight, "paper") : e.type));
    add(box, el("div", "tip-sub", truncate(nameOf(e.from), 60) + (e.type === "coOccurs" ? " \u00b7 " : " \u2192 ") + truncate(nameOf(e.to), 60)));
    if (e.on_label) { add(box, el("div", "tip-sub", "on " + e.on_label)); }
    var lines = e.type === "coOccurs" ? (e.examples || []) : sentences(e);
    if (lines.length) {
      var ul = add(box, el("ul"));
      lines.slice(0, 3).forEach(function (s) { add(ul, el("li", null, e.type === "coOccurs" ? s : "\u201c" + truncate(s, 320) + "\u201d")); });
      var more = (e.type === "coOccurs" ? e.weight : lines.length) - 3;
      if (more > 0) { add(box, el("div", "tip-sub", "+" + more + " more")); }
    } else {
      add(box, el("div", "tip-sub", "no evidence sentence recorded"));
    }
    return box;
  }

  /* ---------- vis DataSets ---------- */
  function visNode(n) {
    var st = styleOf(n.type);
    return {
      id: n.id, label: n.label, x: n.x, y: n.y, size: n.size, shape: st.shape || "dot", title: nodeTooltip(n),
      color: {
        background: st.color, border: shade(st.color, 0.25),
        highlight: { background: tint(st.color, 0.25), border: "#1f2328" },
        hover: { background: tint(st.color, 0.2), border: shade(st.color, 0.4) }
      }
    };
  }
  function visEdge(e) {
    var c = data.edge_colors[e.type] || "#b5b5b5";
    var co = e.type === "coOccurs";
    return {
      id: e.id, from: e.from, to: e.to, title: edgeTooltip(e),
      color: { color: c, highlight: shade(c, 0.3), hover: shade(c, 0.2), opacity: co ? 0.55 : 0.85 },
      width: co ? Math.min(8, 0.6 + Math.log2(1 + e.weight)) : (e.type === "outperforms" ? 2.5 : 1.2),
      dashes: e.type === "about",
      arrows: co ? { to: { enabled: false } } : undefined
    };
  }
  var visNodes = new vis.DataSet(data.nodes.map(visNode));
  var visEdges = new vis.DataSet(data.edges.map(visEdge));

  var container = document.getElementById("network");
  var options = {
    autoResize: true,
    layout: { randomSeed: 42, improvedLayout: false },
    /* positions come precomputed (kg/export/html_layout.py): nothing to stabilise, and dragging
       moves one node without setting the graph in motion */
    physics: { enabled: false, stabilization: false },
    nodes: {
      borderWidth: 1.5, borderWidthSelected: 3,
      font: { size: 13, face: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", color: "#24292f", strokeWidth: 3, strokeColor: "#ffffff" },
      scaling: { label: { drawThreshold: 6 } }  /* labels under 6 px on screen are skipped */
    },
    edges: { smooth: false, arrows: { to: { enabled: true, scaleFactor: 0.45 } }, selectionWidth: 2, hoverWidth: 1 },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: data.shown_edges > 4000, hideEdgesOnZoom: data.shown_edges > 4000, multiselect: false, navigationButtons: false, keyboard: false }
  };
  var network = new vis.Network(container, { nodes: visNodes, edges: visEdges }, options);
  var loading = document.getElementById("loading");
  /* the best-connected nodes' labels stay readable (about 13 px on screen) at any zoom, entities
     first; the others appear (vis skips labels under 6 px) as one zooms in */
  var TOP_LABELS = 30, labelSize = 13, labelFrame = null;
  function named(n) { return n.type === "Method" || n.type === "Dataset" || n.type === "Modality" ? 1 : 0; }
  var topLabelled = data.nodes.slice().sort(function (a, b) {
    return (named(b) - named(a)) || (b.degree - a.degree) || (a.id < b.id ? -1 : 1);
  }).slice(0, TOP_LABELS);
  function sizeTopLabels() {
    labelFrame = null;
    var size = Math.max(13, Math.min(80, Math.round(13 / network.getScale())));
    if (size === labelSize) { return; }
    labelSize = size;
    visNodes.update(topLabelled.map(function (n) { return { id: n.id, font: { size: size } }; }));
  }
  network.on("zoom", function () { if (labelFrame === null) { labelFrame = requestAnimationFrame(sizeTopLabels); } });
  network.on("animationFinished", sizeTopLabels);
  network.once("afterDrawing", function () {
    timings.firstDraw = performance.now();
    sizeTopLabels();
    loading.style.display = "none";
    timings.settled = performance.now();  /* drawn, labels sized, still: ready for the user */
  });
  if (!data.nodes.length) { loading.textContent = "The graph is empty."; }

  /* ---------- filters: type, modality, role, year ---------- */
  var hiddenTypes = {};
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.type-filter"));
  var modSelect = document.getElementById("filter-modality");
  var roleSelect = document.getElementById("filter-role");
  var yearFrom = document.getElementById("filter-year-from");
  var yearTo = document.getElementById("filter-year-to");
  var undated = document.getElementById("filter-undated");
  var status = document.getElementById("filter-status");
  var Y0 = data.years.length ? data.years[0] : 0, Y1 = data.years.length ? data.years[1] : 0;
  function readFilters() {
    var from = parseInt(yearFrom.value, 10), to = parseInt(yearTo.value, 10);
    return {
      mod: modSelect.value === "" ? null : parseInt(modSelect.value, 10),
      role: roleSelect.value || null,
      from: isNaN(from) ? Y0 : from, to: isNaN(to) ? Y1 : to,
      undated: undated.checked
    };
  }
  function yearsMatch(years, f) {
    if (!data.years.length || (f.from <= Y0 && f.to >= Y1 && f.undated)) { return true; }
    if (!years || !years.length) { return f.undated; }
    return years.some(function (y) { return y >= f.from && y <= f.to; });
  }
  function recordMatches(n, f) {
    if (n.type === "Claim") {
      var paper = nodeById[n.paper];
      return paper ? recordMatches(paper, f) : true;
    }
    if (!yearsMatch(n.years, f)) { return false; }
    if (f.mod !== null && n.mods && n.mods.indexOf(f.mod) < 0) { return false; }
    if (f.role && (n.type === "Method" || n.type === "Dataset") && (n.roles || []).indexOf(f.role) < 0) { return false; }
    return true;
  }
  var ego = null;  /* while set: the ids of the neighbourhood being shown */
  function visible(n, f) { return !hiddenTypes[n.type] && recordMatches(n, f) && (!ego || !!ego[n.id]); }
  function applyFilters() {
    var f = readFilters(), nodeUpdates = [], edgeUpdates = [], shown = 0, total = 0;
    visNodes.getIds().forEach(function (id) {
      var n = nodeById[id], hide = !visible(n, f);
      total += 1; if (!hide) { shown += 1; }
      if (!!n._hidden !== hide) { n._hidden = hide; nodeUpdates.push({ id: id, hidden: hide }); }
    });
    visEdges.getIds().forEach(function (id) {
      var e = edgeById[id], hide = !!(f.role && e.role && e.role !== f.role);
      if (!!e._hidden !== hide) { e._hidden = hide; edgeUpdates.push({ id: id, hidden: hide }); }
    });
    if (nodeUpdates.length) { visNodes.update(nodeUpdates); }
    if (edgeUpdates.length) { visEdges.update(edgeUpdates); }
    status.textContent = shown === total ? "" : shown + " of " + total + " drawn nodes " + (ego ? "shown" : "match");
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () { hiddenTypes[box.value] = !box.checked; applyFilters(); });
  });
  [modSelect, roleSelect, yearFrom, yearTo, undated].forEach(function (c) { c.addEventListener("change", applyFilters); });
  yearFrom.addEventListener("input", applyFilters);
  yearTo.addEventListener("input", applyFilters);
  function resetFilters() {
    hiddenTypes = {};
    boxes.forEach(function (box) { box.checked = true; });
    modSelect.value = ""; roleSelect.value = ""; yearFrom.value = Y0; yearTo.value = Y1; undated.checked = true;
    ego = null;
    applyFilters();
  }
  /* ego view: the node, its neighbours and (for an entity among papers) the papers' other entities */
  function showNeighbourhood(id) {
    var hops = data.view === "papers" && ["Method", "Dataset", "Modality"].indexOf(nodeById[id].type) >= 0 ? 2 : 1;
    var keep = {}, frontier = [id];
    keep[id] = true;
    for (var h = 0; h < hops; h += 1) {
      var next = [];
      frontier.forEach(function (n) {
        network.getConnectedNodes(n).forEach(function (m) {
          if (!keep[m] && (h === 0 || nodeById[m].type !== "Paper")) { keep[m] = true; next.push(m); }
        });
      });
      frontier = next;
    }
    ego = keep;
    applyFilters();
    network.fit({ nodes: Object.keys(keep), animation: { duration: 400 } });
  }
  document.getElementById("filter-reset").addEventListener("click", resetFilters);

  /* ---------- bringing a searchable (not drawn) record into the picture ---------- */
  function drawExtra(id) {
    var n = nodeById[id];
    if (!n || drawn[id] || !typeStyle[n.type]) { return false; }
    var xs = 0, ys = 0, k = 0, newEdges = [];
    (n.relations || []).forEach(function (sec) {
      sec.items.forEach(function (it) {
        if (!drawn[it.id]) { return; }
        var pos = network.getPosition(it.id);
        xs += pos.x; ys += pos.y; k += 1;
        var e;
        if (data.view === "entities") {
          if (typeof it.n !== "number") { return; }
          var a = id < it.id ? id : it.id, b = id < it.id ? it.id : id;
          e = { id: a + "|coOccurs|" + b, from: a, to: b, type: "coOccurs", weight: it.n, examples: [] };
        } else {
          if (!it.dir) { return; }  /* "co-occurs most with" is no edge of this view */
          var from = it.dir === "out" ? id : it.id, to = it.dir === "out" ? it.id : id;
          e = { id: from + "|" + it.rel + "|" + to, from: from, to: to, type: it.rel, evidence: [] };
          if (it.rel.indexOf("proposes") === 0) { e.role = "proposed"; } else if (it.rel.indexOf("uses") === 0) { e.role = "used"; }
        }
        if (!edgeById[e.id]) { edgeById[e.id] = e; newEdges.push(e); }
      });
    });
    n.x = k ? xs / k + 40 : 0; n.y = k ? ys / k + 40 : 0;
    drawn[id] = true;
    visNodes.add(visNode(n));
    visEdges.add(newEdges.map(visEdge));
    return true;
  }

  /* ---------- side panel ---------- */
  var panel = document.getElementById("panel");
  var body = document.getElementById("panel-body");
  function hidePanel() { panel.hidden = true; clear(body); }
  document.getElementById("panel-close").addEventListener("click", function () { hidePanel(); network.unselectAll(); });

  function nodeLink(id, label) {
    if (nodeById[id]) {
      var a = el("a", "nodelink", label);
      a.href = "#";
      a.addEventListener("click", function (ev) { ev.preventDefault(); focusNode(id); });
      return a;
    }
    return el("span", null, label);
  }
  function badge(type, colour) {
    var b = el("span", "badge", type);
    b.style.background = colour || styleOf(type).color;
    return b;
  }
  function defList(parent, rows) {
    var dl = el("dl");
    rows.forEach(function (r) {
      var v = r[1];
      if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) { return; }
      add(dl, el("dt", null, r[0]));
      var dd = add(dl, el("dd"));
      if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = Array.isArray(v) ? v.join(", ") : String(v); }
    });
    if (dl.childNodes.length) { parent.appendChild(dl); }
  }
  function identifierLinks(links) {
    if (!links || !links.length) { return ""; }
    var span = el("span", "identifiers");
    links.forEach(function (l, i) {
      if (i) { span.appendChild(document.createTextNode(" \u00b7 ")); }
      var a = externalLink(l.url); a.textContent = l.text; span.appendChild(a);
    });
    return span;
  }
  function externalLink(url) {
    if (!isWebUrl(url)) { return url ? el("span", null, url) : null; }
    var a = el("a", null, url);
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function relationSections(parent, n) {
    (n.relations || []).forEach(function (sec) {
      add(parent, el("h3", null, sec.name + " (" + sec.total + ")"));
      var ul = add(parent, el("ul", "rel-list"));
      sec.items.forEach(function (it) {
        var li = add(ul, el("li"));
        var type = typeOf(it.id);
        add(li, el("span", "glyph", styleOf(type).glyph)).style.color = styleOf(type).color;
        li.appendChild(nodeLink(it.id, type === "Claim" ? truncate(nameOf(it.id), 220) : nameOf(it.id)));
        /* an author list is in byline order already; a person's papers say where they stand */
        var note = it.rel === "hasAuthor" ? (it.dir === "in" && it.order ? "author " + it.order : "") : it.rel;
        if (it.on) { note += " \u00b7 on " + it.on; }
        if (it.paper && sec.name.indexOf("Outperform") === 0) { note += " \u00b7 per " + truncate(it.paper, 60); }
        if (note) { li.appendChild(el("span", "rel", note)); }
      });
      if (sec.total > sec.items.length) { add(ul, el("li", "muted", "\u2026 and " + (sec.total - sec.items.length) + " more")); }
    });
  }
  /* section text with the extracted mentions as <mark> elements (offsets from the edges' evidence) */
  function marked(text, marks, section) {
    var frag = document.createDocumentFragment(), pos = 0;
    (marks || []).forEach(function (m) {
      if (m[0] !== section || m[1] < pos || m[2] > text.length) { return; }
      frag.appendChild(document.createTextNode(text.slice(pos, m[1])));
      var target = nodeById[m[3]], type = typeOf(m[3]);
      var mk = el("mark", "mention", text.slice(m[1], m[2]));
      mk.style.background = tint(styleOf(type).color, 0.6);
      mk.title = type + ": " + nameOf(m[3]);
      if (target) { mk.addEventListener("click", function () { focusNode(m[3]); }); }
      frag.appendChild(mk);
      pos = m[2];
    });
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }
  function showNode(id) {
    var n = nodeById[id];
    if (!n) { return; }
    clear(body);
    var a = n.attrs || {};
    add(body, badge(n.type));
    if (n.type === "Paper") {
      add(body, el("h2", null)).appendChild(marked(String(a.title || n.name), n.marks, "title"));
      /* with Person nodes the authors are a linked section below (the plain list too while that is cut short) */
      var linkedAuthors = (n.relations || []).some(function (sec) { return sec.name === "Authors" && sec.total <= sec.items.length; });
      defList(body, [
        ["Date", a.date || (a.year ? String(a.year) : "")],
        ["Authors", a.authors && a.authors.length && !linkedAuthors ? truncate(a.authors.join(", "), 400) : ""],
        ["Identifier", a.identifier],
        ["Link", externalLink(a.url)],
        ["Identifiers", identifierLinks(n.links)],
        ["Links", String(n.degree)]
      ]);
      if (a.abstract) {
        add(body, el("h3", null, "Abstract"));
        add(body, el("p", "abstract")).appendChild(marked(String(a.abstract), n.marks, "abstract"));
      }
    } else if (n.type === "Claim") {
      add(body, el("h2", null, "Claim"));
      add(body, el("blockquote", null, a.text || n.name));
      defList(body, [
        ["Hedged", a.hedged ? "yes" + (a.hedges && a.hedges.length ? " (" + a.hedges.join(", ") + ")" : "") : "no"],
        ["Section", a.section],
        ["Confidence", a.confidence]
      ]);
    } else if (n.type === "Method" || n.type === "Dataset" || n.type === "Modality") {
      add(body, el("h2", null, n.name));
      defList(body, [
        ["Aliases", a.aliases],
        ["Broader", a.broader],
        ["Concept", externalLink(a.vocab)],
        ["Papers", typeof a.papers === "number" ? String(a.papers) : ""],
        ["Role", n.roles && n.roles.length ? n.roles.join(", ") : ""],
        ["Years", n.years && n.years.length ? (n.years[0] === n.years[n.years.length - 1] ? String(n.years[0]) : n.years[0] + "\u2013" + n.years[n.years.length - 1]) : ""]
      ]);
    } else if (n.type === "Person") {
      add(body, el("h2", null, n.name));
      defList(body, [
        ["Papers", typeof a.papers === "number" ? String(a.papers) : ""],
        ["Years", n.years && n.years.length ? (n.years[0] === n.years[n.years.length - 1] ? String(n.years[0]) : n.years[0] + "\u2013" + n.years[n.years.length - 1]) : ""]
      ]);
    } else {
      add(body, el("h2", null, n.name));
      defList(body, Object.keys(a).sort().map(function (k) {
        var v = a[k];
        return [k, v !== null && typeof v === "object" && !Array.isArray(v) ? JSON.stringify(v) : v];
      }));
    }
    if (!drawn[id]) { add(body, el("p", "muted", "Not drawn in this view.")); }
    else {
      var egoButton = add(body, el("button", "ego", ego ? "Show the whole graph" : "Show only its neighbourhood"));
      egoButton.type = "button";
      egoButton.addEventListener("click", function () {
        if (ego) { ego = null; applyFilters(); network.fit({ animation: { duration: 400 } }); } else { showNeighbourhood(id); }
        egoButton.textContent = ego ? "Show the whole graph" : "Show only its neighbourhood";
      });
    }
    relationSections(body, n);
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  function highlighted(sentence, text) {
    var frag = document.createDocumentFragment();
    var i = text ? sentence.indexOf(text) : -1;
    if (i < 0) { frag.appendChild(document.createTextNode(sentence)); return frag; }
    frag.appendChild(document.createTextNode(sentence.slice(0, i)));
    frag.appendChild(el("mark", null, text));
    frag.appendChild(document.createTextNode(sentence.slice(i + text.length)));
    return frag;
  }
  function showEdge(id) {
    var e = edgeById[id];
    if (!e) { return; }
    clear(body);
    add(body, badge("Edge", data.edge_colors[e.type] || "#8c8c8c"));
    add(body, el("h2", null, e.type === "coOccurs" ? "Co-occurrence" : e.type));
    defList(body, [
      ["From", nodeLink(e.from, nameOf(e.from))],
      ["To", nodeLink(e.to, nameOf(e.to))],
      ["Papers", e.type === "coOccurs" ? String(e.weight) : ""],
      ["On", e.on ? nodeLink(e.on, e.on_label) : ""],
      ["Paper", e.paper ? nodeLink(e.paper, e.paper_label) : ""],
      ["Confidence", e.confidence],
      ["Extractor", e.extractor]
    ]);
    if (e.type === "coOccurs") {
      add(body, el("h3", null, "For example"));
      var ex = add(body, el("ul"));
      (e.examples || []).forEach(function (t) { add(ex, el("li", null, t)); });
    } else {
      add(body, el("h3", null, "Evidence (" + (e.evidence || []).length + ")"));
      if (!(e.evidence || []).length) { add(body, el("p", "muted", "No evidence sentence recorded.")); }
      var ul = add(body, el("ul", "evidence"));
      (e.evidence || []).forEach(function (ev) {
        var li = add(ul, el("li"));
        li.appendChild(highlighted(ev.sentence || ev.text || "", ev.text || ""));
        if (ev.section) { li.appendChild(el("span", "rel", "[" + ev.section + "]")); }
      });
    }
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showNode(params.nodes[0]); }
    else if (params.edges.length) { showEdge(params.edges[0]); }
    else { hidePanel(); }
  });

  function focusNode(id) {
    var n = nodeById[id];
    if (!n) { return; }
    if (!drawn[id]) { drawExtra(id); }
    if (drawn[id]) {
      if (n._hidden) { resetFilters(); }  /* what the user asked for must be visible */
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 450, easingFunction: "easeInOutQuad" } });
    }
    showNode(id);
  }

  /* ---------- search ---------- */
  var index = data.nodes.concat(data.extra, data.papers).map(function (n) {
    var names = [n.name], a = n.attrs || {};
    if (a.title && a.title !== n.name) { names.push(a.title); }
    (a.aliases || []).forEach(function (s) { if (names.indexOf(s) < 0) { names.push(s); } });
    return { node: n, names: names, lower: names.map(function (s) { return String(s).toLowerCase(); }) };
  });
  var input = document.getElementById("search");
  var results = document.getElementById("search-results");
  var current = [], active = 0;
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) { return []; }
    var hits = [];
    index.forEach(function (entry) {
      var best = -1, via = null;
      entry.lower.forEach(function (s, i) {
        var rank = s === q ? 3 : (s.indexOf(q) === 0 ? 2 : (s.indexOf(q) >= 0 ? 1 : -1));
        if (rank > best) { best = rank; via = entry.names[i]; }
      });
      if (best >= 0) { hits.push({ node: entry.node, rank: best, via: via }); }
    });
    hits.sort(function (a, b) {
      return (b.rank - a.rank) || (b.node.degree - a.node.degree) || (a.node.id < b.node.id ? -1 : 1);
    });
    return hits.slice(0, 15);
  }
  function renderResults() {
    clear(results);
    if (!input.value.trim()) { return; }
    if (!current.length) { add(results, el("li", "empty", "No match")); return; }
    current.forEach(function (h, i) {
      var li = add(results, el("li", i === active ? "active" : null));
      add(li, el("span", null, styleOf(h.node.type).glyph)).style.color = styleOf(h.node.type).color;
      add(li, el("span", null, truncate(h.node.name, 70)));
      if (h.via !== h.node.name) { add(li, el("span", "res-alias", "(" + truncate(h.via, 40) + ")")); }
      add(li, el("span", "res-type", h.node.type + (drawn[h.node.id] ? "" : " \u00b7 not drawn")));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
    });
  }
  function choose(i) {
    var h = current[i];
    if (!h) { return; }
    focusNode(h.node.id);
    current = []; clear(results); input.blur();
  }
  input.addEventListener("input", function () { current = search(input.value); active = 0; renderResults(); });
  input.addEventListener("focus", function () { current = search(input.value); active = 0; renderResults(); });
  input.addEventListener("blur", function () { clear(results); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { active = Math.min(active + 1, current.length - 1); renderResults(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); renderResults(); ev.preventDefault(); }
    else if (ev.key === "Enter") { choose(active); ev.preventDefault(); }
    else if (ev.key === "Escape") { input.value = ""; current = []; clear(results); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && document.activeElement !== input) { hidePanel(); network.unselectAll(); }
  });
  document.getElementById("fit").addEventListener("click", function () { network.fit({ animation: { duration: 400 } }); });

  /* for scripted checks and the benchmark (no behaviour depends on it) */
  window.kgNetwork = network;
})();
