// Timetable editor: ask the server about conflicts while the deputy picks a slot and a lesson.
// The form works without this script; the server refuses a conflicting lesson either way.
(function () {
  "use strict";
  var form = document.getElementById("tt-entry-form");
  var live = document.getElementById("tt-live");
  if (!form || !live || !window.fetch) { return; }
  var timer = null;

  function value(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }

  function show(messages, ok) {
    live.textContent = "";
    live.className = "tt-live " + (ok ? "tt-ok" : "tt-bad");
    if (ok) { live.textContent = form.getAttribute("data-ok"); return; }
    var list = document.createElement("ul");
    messages.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    live.appendChild(list);
  }

  function check() {
    // The empty form (after a save, or fresh) checks nothing: no "busy" before a lesson is chosen.
    if (!value("assignment_id") || value("assignment_id") === "0") { live.textContent = ""; return; }
    var params = new URLSearchParams({
      version_id: form.getAttribute("data-version"), class_id: form.getAttribute("data-class"),
      assignment_id: value("assignment_id"), weekday: value("weekday"), number: value("number"), room: value("room")
    });
    fetch(form.getAttribute("data-check-url") + "?" + params.toString(), {credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { show([data.error.message], false); return; }
        var messages = (data.conflicts || []).map(function (c) { return c.message; });
        show(messages, messages.length === 0);
      })
      .catch(function () { live.textContent = ""; });
  }

  form.addEventListener("change", check);
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
  check();
})();
