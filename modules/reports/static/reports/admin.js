/* The reports' admin pages (modules/reports): Leaflet maps of reports, "tick every row"
   on the index, and "Copy the key" on the Open311 key page. No inline script: the
   pages give their data through json_script and data-* attributes. */
(function () {
  "use strict";

  var OPEN = { color: "#b3261e", fillColor: "#e35d52", fillOpacity: 0.85, radius: 7, weight: 2 };
  var CLOSED = { color: "#4a5568", fillColor: "#a0aec0", fillOpacity: 0.7, radius: 6, weight: 1 };

  function initMap(element) {
    var source = document.getElementById(element.dataset.source);
    if (!window.L || !source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var center = (element.dataset.center || "46.6,2.4").split(",").map(Number);
    var map = window.L.map(element, { scrollWheelZoom: false }).setView(
      center,
      Number(element.dataset.zoom) || 13
    );
    window.L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 19,
    }).addTo(map);
    var prefix = element.dataset.linkPrefix || "";
    var layer = window.L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return window.L.circleMarker(latlng, feature.properties.open === false ? CLOSED : OPEN);
      },
      onEachFeature: function (feature, marker) {
        var properties = feature.properties || {};
        var label = document.createElement("span");
        label.textContent =
          "#" + properties.id + " " + (properties.title || "") +
          (properties.status_label ? " · " + properties.status_label : "");
        marker.bindTooltip(label);
        var url = prefix ? prefix + properties.id + "/" : "";
        if (url) {
          marker.on("click", function () {
            window.location.href = url;
          });
        }
      },
    }).addTo(map);
    if (layer.getLayers().length > 1) {
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17 });
    }
    element.reportsMap = map;
  }

  function initTickAll(box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("[data-reports-tick]").forEach(function (tick) {
        tick.checked = box.checked;
      });
    });
  }

  function initCopy(button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copyTarget);
      if (!field) {
        return;
      }
      field.select();
      var done = function () {
        button.textContent = button.dataset.copiedText || button.textContent;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-reports-map]").forEach(initMap);
    document.querySelectorAll("[data-copy-target]").forEach(initCopy);
    // The index's rows are redrawn when filters change: delegate "tick every row".
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.matches && target.matches("[data-reports-tick-all]")) {
        document.querySelectorAll("[data-reports-tick]").forEach(function (tick) {
          tick.checked = target.checked;
        });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.reportsAdmin = { initMap: initMap, initTickAll: initTickAll };
})();
