// The moderation queue (Wagtail admin): "select all" ticks every report of the page.
// Without JavaScript the box stays hidden and each report is ticked on its own.
(function () {
  "use strict";
  var all = document.querySelector("[data-moderation-select-all]");
  if (!all) {
    return;
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-moderation-case]"));
  all.hidden = false;
  function sync() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
