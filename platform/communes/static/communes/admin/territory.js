/*
 * The territory of a commune in the Wagtail admin (COM-5), markup in
 * communes/admin/territory_widget.html.
 *
 * The boundary ([data-territory-boundary], GeoJSON) is shown on a Leaflet map and edited
 * with Leaflet.draw: draw polygons (several for islands), move their corners, remove
 * them; the text area follows as a GeoJSON MultiPolygon. The centre is a marker (the
 * marker tool places it, dragging moves it) written to the latitude and longitude
 * fields. Without this script the fields take GeoJSON or WKT and numbers.
 */
(function () {
  "use strict";

  var COLOR = "#007d7e";

  function polygonsOf(layer) {
    // One Leaflet polygon may hold several polygons (a MultiPolygon read from GeoJSON).
    var geometry = layer.toGeoJSON(false).geometry;
    if (geometry.type === "Polygon") {
      return [geometry.coordinates];
    }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates;
    }
    return [];
  }

  function setup(element) {
    var L = window.L;
    var container = element.parentElement;
    var input = container.querySelector("[data-territory-boundary]");
    var form = element.closest("form");
    var latInput = form && form.querySelector("[data-territory-latitude]");
    var lonInput = form && form.querySelector("[data-territory-longitude]");
    if (!L || !L.Control || !L.Control.Draw || !input) {
      return;
    }
    element.style.height = "28rem";
    element.style.marginBottom = "1rem";
    var map = L.map(element, { scrollWheelZoom: false });
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 19,
    }).addTo(map);
    var drawn = new L.FeatureGroup().addTo(map);
    var centre = null;

    function load(text) {
      try {
        L.geoJSON(JSON.parse(text), { style: { color: COLOR, weight: 3 } }).eachLayer(function (shape) {
          drawn.addLayer(shape);
        });
      } catch (error) {
        // WKT or a typo: the server reads it and says what is wrong.
      }
    }

    function placeCentre(latlng) {
      if (centre === null) {
        centre = L.marker(latlng, {
          draggable: true,
          title: element.dataset.msgCenter,
          alt: element.dataset.msgCenter,
        }).addTo(map);
        centre.on("dragend", function () {
          writeCentre(centre.getLatLng());
        });
      } else {
        centre.setLatLng(latlng);
      }
    }

    function writeCentre(latlng) {
      if (latInput && lonInput) {
        latInput.value = latlng.lat.toFixed(6);
        lonInput.value = latlng.lng.toFixed(6);
      }
    }

    function write() {
      var polygons = [];
      drawn.getLayers().forEach(function (layer) {
        polygons = polygons.concat(polygonsOf(layer));
      });
      input.value = polygons.length
        ? JSON.stringify({ type: "MultiPolygon", coordinates: polygons })
        : "";
    }

    if (input.value.trim().charAt(0) === "{") {
      load(input.value);
    }
    var lat = latInput ? parseFloat(latInput.value) : NaN;
    var lon = lonInput ? parseFloat(lonInput.value) : NaN;
    if (isFinite(lat) && isFinite(lon)) {
      placeCentre([lat, lon]);
    }
    if (drawn.getLayers().length) {
      map.fitBounds(drawn.getBounds(), { padding: [20, 20] });
    } else {
      map.setView(element.dataset.center.split(",").map(Number), Number(element.dataset.zoom) || 6);
    }

    map.addControl(
      new L.Control.Draw({
        edit: { featureGroup: drawn, remove: true },
        draw: {
          polygon: { allowIntersection: false, showArea: false, shapeOptions: { color: COLOR } },
          marker: true,
          polyline: false,
          rectangle: false,
          circle: false,
          circlemarker: false,
        },
      })
    );
    map.on(L.Draw.Event.CREATED, function (event) {
      if (event.layerType === "marker") {
        placeCentre(event.layer.getLatLng());
        writeCentre(event.layer.getLatLng());
        return;
      }
      drawn.addLayer(event.layer);
      write();
    });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
  }

  // The admin loads scripts before the page's content: wait for it.
  function start() {
    document.querySelectorAll("[data-territory-editor]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
