/*
 * Maps of neighbourhood communities (CTY), markup in communities/list.html and
 * communities/create.html.
 *
 * [data-community-map]: the boundaries of the communities (GeoJSON from
 * communities:boundaries) with their name, member count and public page.
 *
 * [data-community-draw]: the creation form's boundary. Leaflet.draw's polygon
 * tool draws one polygon around the person's home, among the neighbouring
 * communities; its GeoJSON geometry goes into the form's text area
 * ([data-area-input]), which is hidden. Without this script the text area
 * stays and accepts GeoJSON or WKT.
 *
 * On a commune's site both maps draw the commune's outline (data-outline, GeoJSON);
 * the public map opens on the commune (data-bounds: south,west,north,east, else
 * data-center and data-zoom) even before any community exists.
 *
 * Words come from data-msg-* attributes, translated by the template; Leaflet.draw's
 * own words from django-leaflet's catalogue (leaflet.draw.i18n.js). Plain
 * JavaScript, no build step; Leaflet and Leaflet.draw are django-leaflet's static files.
 */
(function () {
  "use strict";

  var HOME_ZOOM = 16;

  function cssColor(name, fallback) {
    var value = window.getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value && value.trim()) || fallback;
  }

  function message(root, name, count) {
    var text = root.dataset["msg" + name] || "";
    return text.replace("{count}", String(count));
  }

  function memberCount(root, count) {
    var rules = window.Intl && window.Intl.PluralRules;
    var one = rules
      ? new rules(document.documentElement.lang || "fr").select(count) === "one"
      : count === 1;
    return message(root, one ? "MemberOne" : "MemberOther", count);
  }

  function baseMap(root, element, options) {
    var map = window.L.map(element, options || { scrollWheelZoom: false });
    window.L.tileLayer(root.dataset.tilesUrl, {
      attribution: root.dataset.tilesAttribution,
      maxZoom: 19,
    }).addTo(map);
    return map;
  }

  function popup(root, properties) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = properties.name;
    box.appendChild(name);
    var count = document.createElement("div");
    count.textContent = memberCount(root, properties.member_count || 0);
    box.appendChild(count);
    if (properties.url) {
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = message(root, "Page");
      box.appendChild(link);
    }
    return box;
  }

  function loadBoundaries(root, style) {
    return fetch(root.dataset.boundariesUrl, {
      headers: { Accept: "application/geo+json, application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    }).then(function (data) {
      return window.L.geoJSON(data, {
        style: style,
        onEachFeature: function (feature, layer) {
          layer.bindPopup(popup(root, feature.properties || {}));
        },
      });
    });
  }

  /* The commune's outline, not interactive (clicks reach the map and the communities). */
  function addOutline(root, map) {
    if (!root.dataset.outline) {
      return;
    }
    try {
      window.L.geoJSON(JSON.parse(root.dataset.outline), {
        interactive: false,
        style: { color: cssColor("--color-border-strong", "#6a6a75"), weight: 2, fill: false },
      }).addTo(map);
    } catch (error) {
      // No outline: the map still works.
    }
  }

  /* Open on the commune: its boundary's extent, else its centre. */
  function viewCommune(root, map) {
    var bounds = (root.dataset.bounds || "").split(",").map(Number);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [8, 8] });
      return true;
    }
    if (root.dataset.center) {
      map.setView(root.dataset.center.split(",").map(Number), Number(root.dataset.zoom) || 13);
      return true;
    }
    return false;
  }

  /* The public map of the list page. */
  function setupMap(root) {
    var element = root.querySelector("[data-map]");
    var status = root.querySelector("[data-map-status]");
    if (!window.L || !element) {
      return;
    }
    var map = null;
    if (root.dataset.center) {
      // A commune's site: the map shows the commune, communities or not.
      root.hidden = false;
      map = baseMap(root, element);
      viewCommune(root, map);
      addOutline(root, map);
    }
    loadBoundaries(root, function () {
      return { color: cssColor("--color-primary", "#000091"), weight: 2, fillOpacity: 0.15 };
    }).then(function (layer) {
      if (map !== null) {
        layer.addTo(map);
        return;
      }
      if (!layer.getLayers().length) {
        return;
      }
      root.hidden = false;
      map = baseMap(root, element);
      layer.addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: HOME_ZOOM });
    }).catch(function () {
      if (status) {
        status.textContent = message(root, "Failed");
      }
    });
  }

  /* The drawing map of the creation form. */
  function setupDraw(root) {
    var input = root.querySelector("[data-area-input]");
    var fallback = root.querySelector("[data-area-fallback]");
    var block = root.querySelector("[data-draw-block]");
    var element = root.querySelector("[data-map]");
    var status = root.querySelector("[data-draw-status]");
    var toggle = root.querySelector("[data-area-toggle]");
    if (!window.L || !window.L.Control || !window.L.Control.Draw || !input || !element) {
      return;
    }
    var home = root.dataset.home.split(",").map(Number);
    var primary = cssColor("--color-primary", "#000091");
    block.hidden = false;
    fallback.hidden = true;

    function say(text) {
      status.textContent = text;
    }

    var map = baseMap(root, element, { scrollWheelZoom: false, tap: false });
    map.setView(home, HOME_ZOOM);
    var homeTitle = message(root, "Home");
    window.L.marker(home, { title: homeTitle, alt: homeTitle, keyboard: false, interactive: false })
      .addTo(map);
    addOutline(root, map);

    loadBoundaries(root, function () {
      return {
        color: cssColor("--color-border-strong", "#6a6a75"),
        weight: 2,
        dashArray: "6 4",
        fillOpacity: 0.1,
      };
    }).then(function (layer) {
      layer.addTo(map);
      layer.bringToBack();
    }).catch(function () {
      say(message(root, "Failed"));
    });

    var drawn = new window.L.FeatureGroup().addTo(map);
    var shapeOptions = { color: primary, weight: 3, fillOpacity: 0.2 };
    map.addControl(
      new window.L.Control.Draw({
        position: "topright",
        draw: {
          polygon: { allowIntersection: false, showArea: false, shapeOptions: shapeOptions },
          polyline: false,
          rectangle: false,
          circle: false,
          circlemarker: false,
          marker: false,
        },
        edit: { featureGroup: drawn, remove: true },
      })
    );

    function write() {
      var layers = drawn.getLayers();
      input.value = layers.length ? JSON.stringify(layers[0].toGeoJSON().geometry) : "";
    }

    // A boundary sent back with an error: show it, editable.
    if (input.value.trim().charAt(0) === "{") {
      try {
        window.L.geoJSON(JSON.parse(input.value), { style: shapeOptions }).eachLayer(function (layer) {
          if (layer instanceof window.L.Polygon) {
            drawn.addLayer(layer);
          }
        });
        if (drawn.getLayers().length) {
          map.fitBounds(drawn.getBounds(), { padding: [24, 24], maxZoom: HOME_ZOOM + 1 });
        }
      } catch (error) {
        // Not GeoJSON we can show: the server already said what is wrong with it.
      }
    }

    map.on(window.L.Draw.Event.CREATED, function (event) {
      drawn.clearLayers();
      drawn.addLayer(event.layer);
      write();
      say(message(root, "Drawn"));
    });
    map.on(window.L.Draw.Event.EDITVERTEX, write);
    map.on(window.L.Draw.Event.EDITED, function () {
      write();
      say(message(root, "Drawn"));
    });
    map.on(window.L.Draw.Event.DELETED, function () {
      write();
      say(message(root, "Cleared"));
    });
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function () {
        if (!fallback.hidden) {
          return; // the person typed the boundary
        }
        write();
      });
    }
    if (toggle) {
      toggle.addEventListener("click", function () {
        fallback.hidden = !fallback.hidden;
        toggle.setAttribute("aria-expanded", String(!fallback.hidden));
        if (!fallback.hidden) {
          input.focus();
        }
      });
    }
  }

  function start() {
    document.querySelectorAll("[data-community-map]").forEach(setupMap);
    document.querySelectorAll("[data-community-draw]").forEach(setupDraw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
