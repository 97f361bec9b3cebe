/* Klass journal grid: turns the server-rendered, read-only table into a keyboard entry grid.
 *
 * Type into a cell (several marks: "5 4"), Enter or Tab goes to the next student, arrows move, F2 edits
 * the cell's content, Delete removes its marks, Ctrl+Enter opens work type and comment, Esc cancels.
 * Every cell saves on its own through the API (PUT /api/v1/gradebook/cells) with the versions of the
 * marks it showed: a refused value stays in the cell in red with the reason; a cell someone else
 * changed meanwhile shows their marks and is not overwritten. Codes of other plugins (attendance:
 * "н") typed into a cell are sent to that plugin's save_url. No inline script: the CSP forbids it.
 */
(function () {
  "use strict";

  var table = document.getElementById("journal");
  var dataNode = document.getElementById("journal-data");
  if (!table || !dataNode || !table.tBodies.length) { return; }
  var D = JSON.parse(dataNode.textContent);
  var M = D.msgs || {};
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var statusBox = document.getElementById("grid-status");
  var panel = document.getElementById("cell-panel");
  var newWorkType = document.getElementById("new-work-type");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var lessons = D.lessons;   // [id, "dd.mm", editable (1/0), default work type, why not editable]
  var students = rows.map(function (row) {  // [id, short name], from the table
    return [Number(row.getAttribute("data-s")), row.cells[1].textContent];
  });
  var nLessons = lessons.length;
  var nStudents = rows.length;
  var FIRST = 2;             // lesson cells start after "№" and the name
  var cur = null;            // {r, c}
  var editing = null;        // {r, c, input, mode}
  // Row index -> promise: one save at a time per student's row, so each answer's average and forecast
  // (computed in that save's transaction) arrive in the order the saves committed and the last one drawn
  // is the newest; saves of different students still run side by side.
  var queues = {};
  var inflight = 0;
  var refused = {};          // cell key -> typed text that the server refused

  if (!nLessons || !nStudents) { return; }

  // --- the cells, read from the table ----------------------------------------------------------------
  // The server sends the grid once, as the table (readable without JavaScript); its cells carry what a
  // save needs: <span class="m" data-m="id.version" [data-w="work type" if not the lesson's]
  // [data-c="comment"]>5</span> and other plugins' codes as <span class="x x-KEY">н</span>.
  // D.marks: "lesson:student" -> [[id, value, numeric, work type, version, comment]], D.extras[].cells
  // likewise; the averages are the row's cells.
  D.marks = {};
  D.averages = {};
  var extraByKey = {};
  D.extras.forEach(function (e) { e.cells = {}; extraByKey[e.key] = e; });
  rows.forEach(function (row, r) {
    for (var c = 0; c < nLessons; c++) {
      var td = row.cells[FIRST + c];
      if (!td || !td.firstChild) { continue; }
      var k = key(r, c), list = [];
      for (var n = td.firstElementChild; n; n = n.nextElementSibling) {
        if (n.classList.contains("m")) {
          var ids = n.getAttribute("data-m").split(".");
          var wt = n.getAttribute("data-w") || lessons[c][3];
          var comment = n.getAttribute("data-c") || "";
          list.push([Number(ids[0]), n.textContent, null, wt, Number(ids[1]), comment]);
          if (!n.title) { n.title = markTitle(wt, comment); }
        } else if (n.classList.contains("x")) {
          var extra = extraByKey[n.className.split(" ")[1].slice(2)];
          if (extra) { extra.cells[k] = n.textContent; }
        }
      }
      if (list.length) { D.marks[k] = list; }
    }
  });

  // --- model helpers ------------------------------------------------------------------------------
  function key(r, c) { return lessons[c][0] + ":" + students[r][0]; }
  function cellAt(r, c) { return rows[r] ? rows[r].cells[FIRST + c] : null; }
  function marksOf(r, c) { return D.marks[key(r, c)] || []; }
  function weightOf(code) { return Object.prototype.hasOwnProperty.call(D.weights, code) ? D.weights[code] : 1; }
  function fmtWeight(x) { return String(x).replace(".", ","); }
  function markTitle(code, comment) {
    return (D.titles[code] || code) + ", " + M.weight + " " + fmtWeight(weightOf(code)) + (comment ? ": " + comment : "");
  }
  function lower(s) { return String(s).toLowerCase(); }
  function extraFor(code) {
    var c = lower(code);
    for (var i = 0; i < D.extras.length; i++) {
      var e = D.extras[i];
      if (!e.url) { continue; }
      for (var j = 0; j < e.codes.length; j++) { if (lower(e.codes[j]) === c) { return e; } }
    }
    return null;
  }

  function say(text, kind) {
    if (!statusBox) { return; }
    statusBox.textContent = text || "";
    statusBox.className = "grid-status" + (kind ? " " + kind : "");
  }

  function where(r, c) { return students[r][1] + ", " + lessons[c][1] + ": "; }

  // Refused cells stay listed (with the reason) until fixed, whatever is saved after them.
  var errorBox = document.getElementById("grid-errors");
  var problems = {};  // cell key -> {r, c, text}
  function noteProblem(r, c, text) {
    var k = key(r, c);
    if (text) { problems[k] = {r: r, c: c, text: text}; } else { delete problems[k]; }
    if (!errorBox) { return; }
    errorBox.textContent = "";
    Object.keys(problems).forEach(function (pk) {
      var p = problems[pk];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#";
      a.textContent = where(p.r, p.c) + p.text;
      a.addEventListener("click", function (ev) { ev.preventDefault(); focusCell(p.r, p.c); });
      li.appendChild(a);
      errorBox.appendChild(li);
    });
    errorBox.hidden = !Object.keys(problems).length;
  }

  // --- drawing ------------------------------------------------------------------------------------
  function drawCell(r, c) {
    var td = cellAt(r, c);
    if (!td || td.classList.contains("off")) { return; }
    var k = key(r, c);
    td.textContent = "";
    if (refused[k] !== undefined) {
      td.appendChild(document.createTextNode(refused[k]));
      return;
    }
    D.extras.forEach(function (e) {
      if (e.cells[k]) {
        var x = document.createElement("span");
        x.className = "x x-" + e.key;
        x.textContent = e.cells[k];
        td.appendChild(x);
      }
    });
    marksOf(r, c).forEach(function (m) {
      var w = weightOf(m[3]);
      var s = document.createElement("span");
      s.className = w > 1 ? "m h" : "m";
      s.title = markTitle(m[3], m[5]);
      s.textContent = m[1];
      td.appendChild(s);
    });
  }

  // A row's average and forecast are the server's (averages.Average.as_json(): average, average_text,
  // forecast), from the page's data and then from each save's answer: the page never computes one, so
  // what it shows is what the explanation page, the diary and the reports show.
  function drawTotals(r, totals) {
    if (!totals || totals.average_text === undefined) { return; }
    D.averages[String(students[r][0])] = totals;
    var row = rows[r];
    var avgCell = row.querySelector("td.avg");
    var fcCell = row.querySelector("td.fc");
    var link = avgCell.querySelector("a") || avgCell;
    var fcText = totals.forecast === null || totals.forecast === undefined ? "—" : String(totals.forecast);
    if (link.textContent !== totals.average_text || fcCell.textContent !== fcText) {
      link.textContent = totals.average_text;
      fcCell.textContent = fcText;
      [avgCell, fcCell].forEach(function (cell) {
        cell.classList.remove("changed");
        void cell.offsetWidth;  // restart the highlight
        cell.classList.add("changed");
      });
    }
  }

  function setState(r, c, state, reason) {
    var td = cellAt(r, c);
    if (!td) { return; }
    td.classList.remove("saving", "invalid", "conflict", "warning");
    if (state) { td.classList.add(state); }
    if (reason) { td.title = reason; } else { td.removeAttribute("title"); }
    if (state !== "saving") { noteProblem(r, c, state === "invalid" || state === "conflict" ? reason : ""); }
  }

  // --- moving -------------------------------------------------------------------------------------
  function focusCell(r, c) {
    r = Math.max(0, Math.min(nStudents - 1, r));
    c = Math.max(0, Math.min(nLessons - 1, c));
    if (cur) {
      var old = cellAt(cur.r, cur.c);
      if (old) { old.classList.remove("cur"); old.setAttribute("tabindex", "-1"); }
    }
    cur = {r: r, c: c};
    var td = cellAt(r, c);
    td.classList.add("cur");
    td.setAttribute("tabindex", "0");
    td.focus({preventScroll: false});
    showPanel(false);
    if (td.title && (td.classList.contains("invalid") || td.classList.contains("conflict"))) {
      say(where(r, c) + td.title, "error");
    }
  }

  function nextStudent(step) {
    var r = cur.r + step, c = cur.c;
    if (r >= nStudents) {
      if (c + 1 >= nLessons) { return false; }
      r = 0; c += 1;
    } else if (r < 0) {
      if (c === 0) { return false; }
      r = nStudents - 1; c -= 1;
    }
    focusCell(r, c);
    return true;
  }

  // --- editing ------------------------------------------------------------------------------------
  function editableReason(r, c) {
    var td = cellAt(r, c);
    if (td.classList.contains("off")) { return M.notAttending; }
    if (!lessons[c][2]) { return lessons[c][4] || M.readonly; }
    return "";
  }

  function startEdit(mode, initial) {
    var r = cur.r, c = cur.c;
    var why = editableReason(r, c);
    if (why) { say(where(r, c) + why, "warn"); return; }
    var td = cellAt(r, c);
    var input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.setAttribute("aria-label", where(r, c));
    input.value = initial;
    td.textContent = "";
    td.classList.add("editing");
    td.appendChild(input);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    editing = {r: r, c: c, input: input, mode: mode};
  }

  function cellText(r, c) {
    var k = key(r, c);
    if (refused[k] !== undefined) { return refused[k]; }
    var parts = [];
    D.extras.forEach(function (e) { if (e.url && e.cells[k]) { parts.push(e.cells[k]); } });
    marksOf(r, c).forEach(function (m) { parts.push(m[1]); });
    return parts.join(" ");
  }

  function stopEdit(save, keepFocus) {
    if (!editing) { return; }
    var e = editing;
    editing = null;
    var text = e.input.value;
    var td = cellAt(e.r, e.c);
    td.classList.remove("editing");
    if (save) {
      submit(e.r, e.c, text, e.mode);
    } else {
      drawCell(e.r, e.c);
    }
    if (!keepFocus) { td.focus(); }
  }

  function sameValues(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) {
      if (lower(a[i]).replace("−", "-") !== lower(b[i])) { return false; }
    }
    return true;
  }

  // mode: "replace" (typing over a cell: marks become what was typed, other codes stay unless typed),
  // "edit" (F2: the whole cell is what was typed), "clear" (Delete: no marks, other codes stay).
  function submit(r, c, text, mode) {
    var k = key(r, c);
    // Only other plugins' codes (a whole word: «н») are picked out here; the marks go to the server as typed,
    // and the server reads them by the one grammar of marks (mark_parsing.py).
    var tokens = text.trim() ? text.trim().split(/\s+/) : [];
    var markTokens = [];
    var typedExtras = {};
    tokens.forEach(function (t) {
      var e = extraFor(t);
      if (e) { typedExtras[e.key] = t; } else { markTokens.push(t); }
    });
    var wasRefused = refused[k] !== undefined;
    delete refused[k];
    var jobs = [];
    D.extras.forEach(function (e) {
      if (!e.url) { return; }
      var now = e.cells[k] || "";
      var want = typedExtras[e.key] !== undefined ? typedExtras[e.key] : (mode === "edit" ? "" : now);
      if (lower(want) !== lower(now)) { jobs.push(function () { return saveExtra(r, c, e, want); }); }
    });
    var current = marksOf(r, c).map(function (m) { return m[1]; });
    var wantMarks = mode === "clear" ? [] : (mode === "replace" && !markTokens.length && tokens.length ? current : markTokens);
    var wantText = wantMarks.join(" ");
    if (!sameValues(wantText.split(/[\s\/]+/).filter(Boolean), current) || wasRefused) {
      jobs.push(function () { return saveMarks(r, c, wantText); });
    }
    drawCell(r, c);
    if (!jobs.length) { setState(r, c, null); return; }
    enqueue(String(r), jobs);
  }

  function enqueue(k, jobs) {
    var chain = queues[k] || Promise.resolve();
    jobs.forEach(function (job) { chain = chain.then(job); });
    queues[k] = chain.then(function () { if (queues[k] === chain) { delete queues[k]; } });
  }

  function request(method, url, body) {
    inflight += 1;
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (raw) {
        var json = null;
        try { json = raw ? JSON.parse(raw) : null; } catch (err) { json = null; }
        return {status: response.status, ok: response.ok, json: json};
      });
    }).finally(function () { inflight -= 1; });
  }

  function errorText(res) {
    return (res.json && res.json.error && res.json.error.message) || M.network;
  }

  function saveMarks(r, c, text) {
    var k = key(r, c);
    var known = marksOf(r, c).map(function (m) { return [m[0], m[4]]; });
    var body = {lesson_id: lessons[c][0], student_id: students[r][0], text: text, known: known,
                work_type: (newWorkType && newWorkType.value) || null};
    setState(r, c, "saving");
    say(where(r, c) + M.saving, "");
    return request("PUT", D.urls.cell, body).then(function (res) {
      if (res.ok) {
        D.marks[k] = res.json.marks.map(function (m) {
          return [m.id, m.value, m.numeric, m.work_type, m.version, m.comment];
        });
        drawCell(r, c);
        setState(r, c, null);
        drawTotals(r, res.json);
        var warned = (res.json.warnings || []).join(" ");
        if (warned) { setState(r, c, "warning", warned); }
        say(where(r, c) + (warned || M.saved), warned ? "warn" : "ok");
      } else if (res.status === 409) {
        if (res.json && res.json.current) {
          D.marks[k] = res.json.current.map(function (m) {
            return [m.id, m.value, m.numeric, m.work_type, m.version, m.comment];
          });
        }
        drawCell(r, c);
        drawTotals(r, res.json);
        setState(r, c, "conflict", errorText(res));
        say(where(r, c) + errorText(res), "warn");
      } else {
        refused[k] = text;
        drawCell(r, c);
        setState(r, c, "invalid", errorText(res));
        say(where(r, c) + errorText(res), "error");
      }
    }, function () {
      refused[k] = text;
      drawCell(r, c);
      setState(r, c, "invalid", M.network);
      say(where(r, c) + M.network, "error");
    });
  }

  function saveExtra(r, c, extra, code) {
    var k = key(r, c);
    setState(r, c, "saving");
    // seen: the cell as shown; someone else's change since then is refused (409 with current), not overwritten
    return request("POST", extra.url, {student_id: students[r][0], lesson_id: lessons[c][0], code: code,
                                       seen: extra.cells[k] || ""})
      .then(function (res) {
        if (res.ok) {
          if (code) { extra.cells[k] = (res.json && res.json.code) || code; } else { delete extra.cells[k]; }
          drawCell(r, c);
          var warned = ((res.json && res.json.warnings) || []).join(" ");
          setState(r, c, warned ? "warning" : null, warned || undefined);
          say(where(r, c) + (warned || M.saved), warned ? "warn" : "ok");
        } else {
          if (res.status === 409 && res.json && res.json.current && "cell" in res.json.current) {
            if (res.json.current.cell) { extra.cells[k] = res.json.current.cell; } else { delete extra.cells[k]; }
          }
          drawCell(r, c);
          setState(r, c, "invalid", errorText(res));
          say(where(r, c) + errorText(res), "error");
        }
      }, function () {
        setState(r, c, "invalid", M.network);
        say(where(r, c) + M.network, "error");
      });
  }

  // --- work type and comment (Ctrl+Enter) ------------------------------------------------------------
  function showPanel(open) {
    if (!panel) { return; }
    if (!open) { panel.hidden = true; panel.textContent = ""; return; }
    var r = cur.r, c = cur.c;
    var why = editableReason(r, c);
    panel.textContent = "";
    var h = document.createElement("h2");
    h.textContent = M.panelTitle + ": " + where(r, c).replace(/: $/, "");
    panel.appendChild(h);
    var marks = marksOf(r, c);
    if (!marks.length) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = M.noMarks;
      panel.appendChild(p);
    }
    marks.forEach(function (m) {
      var row = document.createElement("div");
      row.className = "mark-row";
      var value = document.createElement("b");
      value.textContent = m[1];
      var select = document.createElement("select");
      select.setAttribute("aria-label", M.workType);
      Object.keys(D.titles).forEach(function (code) {
        var o = document.createElement("option");
        o.value = code;
        o.textContent = D.titles[code] + " (" + fmtWeight(weightOf(code)) + ")";
        if (code === m[3]) { o.selected = true; }
        select.appendChild(o);
      });
      var comment = document.createElement("input");
      comment.type = "text";
      comment.value = m[5] || "";
      comment.maxLength = 500;
      comment.placeholder = M.comment;
      comment.setAttribute("aria-label", M.comment);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = M.save;
      select.disabled = comment.disabled = button.disabled = !!why;
      button.addEventListener("click", function () {
        var url = D.urls.mark.replace(/0$/, String(m[0]));
        request("PATCH", url, {version: m[4], work_type: select.value, comment: comment.value}).then(function (res) {
          var k = key(r, c);
          if (res.ok) {
            D.marks[k] = marksOf(r, c).map(function (x) {
              return x[0] === res.json.id ? [res.json.id, res.json.value, res.json.numeric, res.json.work_type,
                                            res.json.version, res.json.comment] : x;
            });
            drawCell(r, c);
            drawTotals(r, res.json);
            say(where(r, c) + M.saved, "ok");
            focusCell(r, c);
          } else {
            if (res.status === 409 && res.json && res.json.current) {
              var cm = res.json.current;
              D.marks[k] = marksOf(r, c).map(function (x) {
                return x[0] === cm.id ? [cm.id, cm.value, cm.numeric, cm.work_type, cm.version, cm.comment] : x;
              });
              drawCell(r, c);
              drawTotals(r, res.json);
            }
            say(where(r, c) + errorText(res), "error");
          }
        });
      });
      row.appendChild(value);
      row.appendChild(select);
      row.appendChild(comment);
      row.appendChild(button);
      panel.appendChild(row);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = M.close;
    close.addEventListener("click", function () { focusCell(r, c); });
    panel.appendChild(close);
    panel.hidden = false;
    var first = panel.querySelector("select, button");
    if (first) { first.focus(); }
  }

  if (panel) {
    panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && cur) { ev.preventDefault(); focusCell(cur.r, cur.c); }
    });
  }

  // --- keys and mouse ------------------------------------------------------------------------------
  table.addEventListener("keydown", function (ev) {
    if (!cur) { return; }
    var k = ev.key;
    if (editing) {
      var input = editing.input;
      if (k === "Enter" || k === "Tab") {
        ev.preventDefault();
        stopEdit(true);
        nextStudent(ev.shiftKey ? -1 : 1);
      } else if (k === "Escape") {
        ev.preventDefault();
        stopEdit(false);
      } else if (k === "ArrowUp" || k === "ArrowDown") {
        ev.preventDefault();
        stopEdit(true);
        focusCell(cur.r + (k === "ArrowUp" ? -1 : 1), cur.c);
      } else if ((k === "ArrowLeft" && input.selectionStart === 0 && input.selectionEnd === 0) ||
                 (k === "ArrowRight" && input.selectionStart === input.value.length)) {
        ev.preventDefault();
        stopEdit(true);
        focusCell(cur.r, cur.c + (k === "ArrowLeft" ? -1 : 1));
      }
      return;
    }
    if (ev.altKey || ev.metaKey) { return; }
    if (ev.ctrlKey) {
      if (k === "Enter") { ev.preventDefault(); showPanel(true); }
      return;
    }
    switch (k) {
      case "ArrowUp": ev.preventDefault(); focusCell(cur.r - 1, cur.c); return;
      case "ArrowDown": ev.preventDefault(); focusCell(cur.r + 1, cur.c); return;
      case "ArrowLeft": ev.preventDefault(); focusCell(cur.r, cur.c - 1); return;
      case "ArrowRight": ev.preventDefault(); focusCell(cur.r, cur.c + 1); return;
      case "Home": ev.preventDefault(); focusCell(cur.r, 0); return;
      case "End": ev.preventDefault(); focusCell(cur.r, nLessons - 1); return;
      case "Enter": ev.preventDefault(); nextStudent(ev.shiftKey ? -1 : 1); return;
      case "Tab": if (nextStudent(ev.shiftKey ? -1 : 1)) { ev.preventDefault(); } return;
      case "F2": ev.preventDefault(); startEdit("edit", cellText(cur.r, cur.c)); return;
      case "Delete":
      case "Backspace": {
        ev.preventDefault();
        var why = editableReason(cur.r, cur.c);
        if (why) { say(where(cur.r, cur.c) + why, "warn"); return; }
        submit(cur.r, cur.c, "", "clear");
        return;
      }
      default:
        if (k.length === 1 && k !== " ") {
          ev.preventDefault();
          startEdit("replace", k);
        }
    }
  });

  table.addEventListener("mousedown", function (ev) {
    var td = ev.target.closest("td.c");
    if (!td || !table.contains(td) || (editing && td.contains(editing.input))) { return; }
    if (editing) { stopEdit(true); }
    var r = rows.indexOf(td.parentNode);
    var c = td.cellIndex - FIRST;
    if (r >= 0 && c >= 0 && c < nLessons) { ev.preventDefault(); focusCell(r, c); }
  });

  table.addEventListener("dblclick", function (ev) {
    var td = ev.target.closest("td.c");
    if (td && cur && !editing) { startEdit("edit", cellText(cur.r, cur.c)); }
  });

  table.addEventListener("focusout", function (ev) {
    if (editing && ev.target === editing.input && !table.contains(ev.relatedTarget)) { stopEdit(true, true); }
  });

  window.addEventListener("beforeunload", function (ev) {
    if (inflight > 0 || editing) { ev.preventDefault(); ev.returnValue = M.pending; return M.pending; }
    return undefined;
  });

  // Start on the first lesson the user may fill (the oldest inside the edit window), else the first cell.
  var start = 0;
  for (var i = 0; i < nLessons; i++) { if (lessons[i][2]) { start = i; break; } }
  rows.forEach(function (row, r) {
    for (var c = 0; c < nLessons; c++) {
      var td = cellAt(r, c);
      if (td) { td.setAttribute("tabindex", "-1"); }
    }
  });
  cur = {r: 0, c: start};
  var first = cellAt(0, start);
  first.setAttribute("tabindex", "0");
  first.classList.add("cur");
  if (lessons[start][2]) {
    // An entry page: the keyboard starts in the grid, on the first cell the teacher may fill.
    first.focus();
  }
  table.addEventListener("focusin", function (ev) {
    var td = ev.target.closest && ev.target.closest("td.c");
    if (td && !editing) {
      var r = rows.indexOf(td.parentNode), c = td.cellIndex - FIRST;
      if (r >= 0 && c >= 0 && (r !== cur.r || c !== cur.c)) { focusCell(r, c); }
    }
  });
}());
