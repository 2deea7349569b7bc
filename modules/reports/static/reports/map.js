/*
 * Maps of problem reports (REP-2), markup in reports/list.html and reports/detail.html.
 *
 * [data-report-map]: the list's reports (GeoJSON from reports:geojson, the list's
 * filters), one circle each, coloured by status like the legend's swatches (colours in
 * reports.css), a popup with the title, status and a link. Opens on the commune
 * (data-bounds, else data-center/data-zoom). Without this script the list works alone.
 *
 * [data-report-point]: a report's point on a small map.
 *
 * Words come from data-msg-* attributes, translated by the template. Plain JavaScript;
 * Leaflet is django-leaflet's static file.
 */
(function () {
  "use strict";

  function baseMap(root, element) {
    // The marker's images by their real (hashed) addresses: Leaflet cannot guess them.
    if (root.dataset.markerIcon) {
      window.L.Icon.Default.imagePath = "";
      window.L.Icon.Default.mergeOptions({
        iconUrl: root.dataset.markerIcon,
        iconRetinaUrl: root.dataset.markerIcon2x,
        shadowUrl: root.dataset.markerShadow,
      });
    }
    var map = window.L.map(element, { scrollWheelZoom: false });
    window.L.tileLayer(root.dataset.tilesUrl, {
      attribution: root.dataset.tilesAttribution,
      maxZoom: 19,
    }).addTo(map);
    return map;
  }

  function viewCommune(root, map) {
    var bounds = (root.dataset.bounds || "").split(",").map(Number);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [8, 8] });
    } else {
      map.setView((root.dataset.center || "46.6,1.9").split(",").map(Number), Number(root.dataset.zoom) || 13);
    }
    if (root.dataset.outline) {
      try {
        window.L.geoJSON(JSON.parse(root.dataset.outline), {
          interactive: false,
          style: { color: "#6a6a75", weight: 2, dashArray: "6 4", fill: false },
        }).addTo(map);
      } catch (error) {
        // No outline: the map still works.
      }
    }
  }

  function statusColours(root) {
    var colours = {};
    root.querySelectorAll("[data-status-swatch]").forEach(function (swatch) {
      colours[swatch.dataset.statusSwatch] = window.getComputedStyle(swatch).backgroundColor;
    });
    return colours;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    box.appendChild(link);
    var meta = document.createElement("div");
    meta.textContent = [properties.category, properties.status_label].filter(Boolean).join(" · ");
    box.appendChild(meta);
    return box;
  }

  function setupList(root) {
    var element = root.querySelector("[data-map]");
    var status = root.querySelector("[data-map-status]");
    if (!window.L || !element) {
      return;
    }
    root.hidden = false;
    var map = baseMap(root, element);
    viewCommune(root, map);
    var colours = statusColours(root);
    fetch(root.dataset.geojsonUrl, {
      headers: { Accept: "application/geo+json, application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    }).then(function (data) {
      var layer = window.L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var colour = colours[(feature.properties || {}).status] || "#000091";
          return window.L.circleMarker(latlng, {
            radius: 8,
            color: "#ffffff",
            weight: 2,
            fillColor: colour,
            fillOpacity: 0.9,
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(popup(feature.properties || {}));
        },
      }).addTo(map);
      if (layer.getLayers().length) {
        map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 17 });
      } else if (status) {
        status.textContent = root.dataset.msgNone || "";
      }
    }).catch(function () {
      if (status) {
        status.textContent = root.dataset.msgFailed || "";
      }
    });
  }

  function setupPoint(root) {
    var element = root.querySelector("[data-map]");
    var lat = parseFloat(root.dataset.latitude);
    var lon = parseFloat(root.dataset.longitude);
    if (!window.L || !element || !isFinite(lat) || !isFinite(lon)) {
      return;
    }
    root.hidden = false;
    var map = baseMap(root, element);
    map.setView([lat, lon], 17);
    var title = root.dataset.msgMarker || "";
    window.L.marker([lat, lon], { title: title, alt: title, keyboard: false, interactive: false }).addTo(map);
  }

  function start() {
    document.querySelectorAll("[data-report-map]").forEach(setupList);
    document.querySelectorAll("[data-report-point]").forEach(setupPoint);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
