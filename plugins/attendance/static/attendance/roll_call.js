// Roll call on a phone: a tap on a student cycles present → н → б → у → о → present.
// Without JavaScript the radio buttons below each name do the same job.
(function () {
  "use strict";
  var form = document.querySelector("form.att-roll");
  if (!form) { return; }
  document.documentElement.classList.add("js");
  var cycle = [""].concat((form.dataset.cycle || "").split(",").filter(Boolean));
  form.querySelectorAll(".att-pupil").forEach(function (row) {
    var button = row.querySelector(".att-name");
    var badge = row.querySelector(".att-code");
    var radios = Array.prototype.slice.call(row.querySelectorAll("input[type=radio]"));
    function current() {
      var checked = radios.filter(function (r) { return r.checked; })[0];
      return checked ? checked.value : "";
    }
    function show(value) {
      var radio = radios.filter(function (r) { return r.value === value; })[0];
      if (!radio) { return; }
      radio.checked = true;
      badge.textContent = value || "✓";
      row.dataset.state = value ? radio.dataset.kind : "present";
      if (row.dataset.state === "late") {
        var minutes = row.querySelector(".att-late input");
        if (minutes) { minutes.focus(); }
      }
    }
    if (!button || button.disabled) { return; }
    button.addEventListener("click", function () {
      var at = cycle.indexOf(current());
      show(cycle[(at + 1) % cycle.length]);
    });
  });
})();
