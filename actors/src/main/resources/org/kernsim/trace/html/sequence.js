// kernsim sequence diagram: draws only the rows and lanes on screen, so a page of 100,000
// records stays interactive. Data: R (rows [time ns, kind, lane, source lane, type, fields]),
// LANES, TYPES, META (focus row, title). Kinds: 0 message, 1 note, 2 violation.
(function () {
  "use strict";
  var ROW = 22, COL = 150, LEFT = 130, HEAD = 34, PAD = 12;
  var KIND = ["msg", "note", "violation"];
  var view = document.getElementById("view");
  var sheet = document.getElementById("sheet");
  var heads = document.getElementById("heads");
  var svg = document.getElementById("rows");
  var tip = document.getElementById("tip");
  var filter = document.getElementById("filter");
  var count = document.getElementById("count");
  var NS = "http://www.w3.org/2000/svg";
  var shown = new Int32Array(R.length); // indices of the rows that pass the filter
  var nShown = 0;
  var laneX = new Int32Array(LANES.length); // column of each lane (-1: hidden)
  var nCols = 0;
  var drawn = { arrows: 0, rows: 0, renders: 0 };
  var corner = null;
  window.kernsimView = drawn;

  function pretty(t) {
    var s = Math.floor(t / 1e9), ns = t - s * 1e9;
    var f = String(ns);
    while (f.length < 9) f = "0" + f;
    return s + "." + f + "s";
  }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // the lanes of the rows that pass the filter, in the page's lane order
  function layoutLanes() {
    var used = new Uint8Array(LANES.length);
    for (var i = 0; i < nShown; i++) {
      var r = R[shown[i]];
      used[r[2]] = 1;
      if (r[3] >= 0) used[r[3]] = 1;
    }
    nCols = 0;
    laneX.fill(-1);
    for (var k = 0; k < ORDER.length; k++) {
      var l = ORDER[k];
      if (used[l]) laneX[l] = nCols++;
    }
    var h = '<div id="corner">time</div>';
    for (var l2 = 0; l2 < LANES.length; l2++) {
      if (laneX[l2] < 0) continue;
      h += '<div class="lane" style="left:' + (LEFT + laneX[l2] * COL) + 'px">' + esc(LANES[l2]) + "</div>";
    }
    heads.innerHTML = h;
    corner = document.getElementById("corner");
    heads.style.width = sheet.style.width = LEFT + nCols * COL + PAD + "px";
  }

  function applyFilter() {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(function (x) { return x; });
    var typeOk = TYPES.map(function () { return null; });
    nShown = 0;
    for (var i = 0; i < R.length; i++) {
      var r = R[i];
      var ok = true;
      for (var t = 0; t < terms.length && ok; t++) {
        var q = terms[t];
        ok =
          LANES[r[2]].toLowerCase().indexOf(q) >= 0 ||
          (r[3] >= 0 && LANES[r[3]].toLowerCase().indexOf(q) >= 0) ||
          TYPES[r[4]].toLowerCase().indexOf(q) >= 0 ||
          KIND[r[1]] === q;
      }
      if (ok) shown[nShown++] = i;
    }
    count.textContent = nShown + " of " + R.length + " records" + (META.left ? " (" + META.left + " more in the trace: narrow with --from/--to or the filters)" : "");
    layoutLanes();
    sheet.style.height = HEAD + nShown * ROW + PAD + "px";
    render();
  }

  function x(lane) {
    return LEFT + laneX[lane] * COL + COL / 2;
  }

  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function shortType(t) {
    var d = t.lastIndexOf(".");
    var s = d >= 0 && d < t.length - 1 ? t.substring(d + 1) : t;
    return s.length > 20 ? s.substring(0, 19) + "\u2026" : s;
  }

  // draws the rows in view (and a screen above and below)
  function render() {
    var top = view.scrollTop - HEAD, h = view.clientHeight;
    var first = Math.max(0, Math.floor(top / ROW) - 20);
    var last = Math.min(nShown, Math.ceil((top + h) / ROW) + 20);
    var left = view.scrollLeft, w = view.clientWidth;
    var y0 = HEAD + first * ROW;
    svg.setAttribute("width", LEFT + nCols * COL + PAD);
    svg.setAttribute("height", Math.max(ROW, (last - first) * ROW));
    svg.style.top = y0 + "px";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var height = (last - first) * ROW;
    // lifelines of the lanes in view
    for (var l = 0; l < LANES.length; l++) {
      if (laneX[l] < 0) continue;
      var lx = x(l);
      if (lx < left - COL || lx > left + w + COL) continue;
      svg.appendChild(el("line", { class: "life", x1: lx, y1: 0, x2: lx, y2: height }));
    }
    drawn.arrows = 0;
    drawn.rows = 0;
    for (var i = first; i < last; i++) {
      var idx = shown[i], r = R[idx];
      var y = (i - first) * ROW + ROW / 2;
      var g = el("g", { "data-row": idx, class: idx === META.focus ? "row focus" : "row" });
      g.appendChild(el("rect", { class: "band", x: 0, y: y - ROW / 2, width: LEFT + nCols * COL, height: ROW }));
      var to = x(r[2]);
      if (r[1] === 2) {
        g.appendChild(el("rect", { class: "viol", x: LEFT, y: y - 9, width: nCols * COL, height: 18 }));
        g.appendChild(el("text", { x: LEFT + 4, y: y + 4 }, "VIOLATION " + TYPES[r[4]] + ": " + r[5]));
      } else if (r[1] === 0 && r[3] >= 0 && r[3] !== r[2]) {
        var from = x(r[3]);
        g.appendChild(el("line", { class: "arrow", x1: from, y1: y, x2: to + (to > from ? -3 : 3), y2: y, "marker-end": "url(#head)" }));
        g.appendChild(el("text", { x: (from + to) / 2, y: y - 3, "text-anchor": "middle" }, shortType(TYPES[r[4]])));
        drawn.arrows++;
      } else {
        g.appendChild(el("rect", { class: r[1] === 0 ? "timer" : "note", x: to - COL / 2 + 8, y: y - 9, width: COL - 16, height: 18, rx: 3 }));
        g.appendChild(el("text", { x: to, y: y + 4, "text-anchor": "middle" }, shortType(TYPES[r[4]])));
      }
      // the time column stays on the left however far the page is scrolled sideways
      g.appendChild(el("rect", { class: "tcol", x: left, y: y - ROW / 2, width: LEFT - 6, height: ROW }));
      g.appendChild(el("text", { x: left + 4, y: y + 4, class: "time" }, pretty(r[0])));
      svg.appendChild(g);
      drawn.rows++;
    }
    if (corner) corner.style.left = left + "px";
    drawn.renders++;
  }

  var pending = false;
  view.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  });
  window.addEventListener("resize", render);
  var debounce = 0;
  filter.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(function () {
      var focusRow = rowAt(view.scrollTop + view.clientHeight / 2);
      applyFilter();
      center(focusRow);
    }, 150);
  });

  function rowAt(py) {
    var i = Math.floor((py - HEAD) / ROW);
    return i >= 0 && i < nShown ? shown[i] : META.focus;
  }

  // scrolls so that record idx (or the nearest shown one after it) is in the middle
  function center(idx) {
    var lo = 0, hi = nShown - 1, at = nShown - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (shown[mid] >= idx) { at = mid; hi = mid - 1; } else lo = mid + 1;
    }
    view.scrollTop = Math.max(0, HEAD + at * ROW - view.clientHeight / 2);
    if (at >= 0 && at < nShown) {
      var r = R[shown[at]];
      var lx = x(r[2]);
      view.scrollLeft = Math.max(0, lx - view.clientWidth / 2);
    }
    render();
  }

  svg.addEventListener("mousemove", function (ev) {
    var g = ev.target.closest ? ev.target.closest("g[data-row]") : null;
    if (!g) { tip.style.display = "none"; return; }
    var r = R[+g.getAttribute("data-row")];
    tip.innerHTML =
      "<b>" + esc(pretty(r[0])) + "</b> " + KIND[r[1]] + "<br>" +
      (r[3] >= 0 ? esc(LANES[r[3]]) + " \u2192 " : "") + esc(LANES[r[2]]) + "<br>" +
      "<b>" + esc(TYPES[r[4]]) + "</b><br>" + esc(r[5]);
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 420) + "px";
    tip.style.top = ev.clientY + 14 + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  applyFilter();
  center(META.focus);

  // ?bench: scroll through the page and report how long a render takes (for docs/performance.md)
  if (location.search.indexOf("bench") >= 0) {
    var t0 = performance.now();
    var steps = 200, times = [];
    for (var s = 0; s < steps; s++) {
      view.scrollTop = Math.floor((s / steps) * (nShown * ROW));
      var a = performance.now();
      render();
      times.push(performance.now() - a);
    }
    var t1 = performance.now();
    applyFilter();
    var t2 = performance.now();
    times.sort(function (a, b) { return a - b; });
    document.body.setAttribute(
      "data-bench",
      JSON.stringify({
        records: R.length,
        renderMsMedian: times[steps >> 1],
        renderMsMax: times[steps - 1],
        scrollRendersMs: t1 - t0,
        filterMs: t2 - t1,
        loadMs: t0 - (window.kernsimStart || 0),
      })
    );
  }
  document.body.setAttribute("data-arrows", drawn.arrows);
  document.body.setAttribute("data-rows", drawn.rows);
})();
