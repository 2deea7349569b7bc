/*
 * Postal address field (ACC-7), markup in includes/address_field.html.
 *
 * Without this script the field is a plain text input and the server geocodes the
 * typed address. With it: suggestions as an ARIA 1.2 combobox (list autocomplete;
 * up/down/enter/escape), a Leaflet map whose draggable marker writes the hidden
 * latitude/longitude inputs, and "use my position" (navigator.geolocation).
 * Where the provider forbids autocomplete (Nominatim), suggestions come only from
 * the "Search" button. Plain JavaScript, no build step; Leaflet comes from
 * django-leaflet's static files. The map opens on the commune: its outline
 * (data-outline, GeoJSON) and extent (data-bounds: south,west,north,east) when it has
 * a boundary, else its centre (data-center, data-zoom).
 *
 * Each new point (a suggestion chosen, the marker dragged or placed by a tap on the
 * map, "use my position", a point given by the page) is told to the page by an
 * "address:point" event on the field (it bubbles), detail {latitude, longitude,
 * source}: source is "suggestion", "map", "device" or the one given. The page places a
 * point itself with an "address:place" event on the field, same detail (plus an
 * optional message for the status line), e.g. the report form's photo position.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 350;
  var MIN_LENGTH = 3;
  var ADDRESS_ZOOM = 17;

  function setupMap(root, markerTitle, onMove) {
    var block = root.querySelector("[data-address-map-block]");
    var element = root.querySelector("[data-address-map]");
    if (!window.L || !block || !element) {
      return null;
    }
    block.hidden = false;
    // The marker's images by their real addresses: Leaflet guesses them from the name
    // of leaflet.css, which the static files' hashed names (marker-icon.1a2b….png) defeat.
    if (root.dataset.markerIcon) {
      window.L.Icon.Default.imagePath = "";
      window.L.Icon.Default.mergeOptions({
        iconUrl: root.dataset.markerIcon,
        iconRetinaUrl: root.dataset.markerIcon2x,
        shadowUrl: root.dataset.markerShadow,
      });
    }
    var map = window.L.map(element, { scrollWheelZoom: false });
    var bounds = (root.dataset.bounds || "").split(",").map(Number);
    if (bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [8, 8] });
    } else {
      map.setView(root.dataset.center.split(",").map(Number), Number(root.dataset.zoom) || 6);
    }
    window.L.tileLayer(root.dataset.tilesUrl, {
      attribution: root.dataset.tilesAttribution,
      maxZoom: 19,
    }).addTo(map);
    if (root.dataset.outline) {
      try {
        window.L.geoJSON(JSON.parse(root.dataset.outline), {
          interactive: false,
          style: { color: "#555", weight: 2, dashArray: "6 4", fill: false },
        }).addTo(map);
      } catch (error) {
        // No outline: the map still works.
      }
    }
    element.addressMap = map;
    var marker = null;

    function place(lat, lon) {
      if (marker === null) {
        marker = window.L.marker([lat, lon], {
          draggable: true,
          autoPan: true,
          title: markerTitle,
          alt: markerTitle,
        }).addTo(map);
        marker.on("dragend", function () {
          var point = marker.getLatLng();
          onMove(point.lat, point.lng);
        });
      } else {
        marker.setLatLng([lat, lon]);
      }
      map.setView([lat, lon], Math.max(map.getZoom(), ADDRESS_ZOOM));
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng);
      onMove(event.latlng.lat, event.latlng.lng);
    });
    return { place: place };
  }

  function setup(root) {
    if (root.dataset.addressReady) {
      return;
    }
    root.dataset.addressReady = "true";
    var input = root.querySelector("[data-address-input]");
    var listbox = root.querySelector("[data-address-listbox]");
    var status = root.querySelector("[data-address-status]");
    var latInput = root.querySelector("[data-address-latitude]");
    var lonInput = root.querySelector("[data-address-longitude]");
    var searchButton = root.querySelector("[data-address-search]");
    var locateButton = root.querySelector("[data-address-locate]");
    var autocomplete = root.dataset.autocomplete === "true";
    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;
    // A point from a suggestion follows the text; one placed by hand, GPS or the page stays.
    var pointSource = "suggestion";

    function message(name, count) {
      var text = root.dataset["msg" + name] || "";
      return text.replace("{count}", String(count));
    }

    function say(text) {
      status.textContent = text;
    }

    function setPoint(lat, lon, source) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      pointSource = source;
      root.dispatchEvent(
        new CustomEvent("address:point", {
          bubbles: true,
          detail: { latitude: lat, longitude: lon, source: source },
        })
      );
    }

    var map = setupMap(root, message("Marker"), function (lat, lon) {
      setPoint(lat, lon, "map");
      say(message("Moved"));
    });

    function searchUrl(params) {
      var url = new URL(root.dataset.searchUrl, window.location.href);
      Object.keys(params).forEach(function (key) {
        url.searchParams.set(key, params[key]);
      });
      return url;
    }

    function fetchResults(params) {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      return fetch(searchUrl(params), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      }).then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (!response.ok) {
              throw new Error(data.error || message("Error"));
            }
            return data.results || [];
          });
      });
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll("[role=option]");
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var result = results[index];
      input.value = result.label;
      setPoint(result.latitude, result.longitude, "suggestion");
      if (map) {
        map.place(result.latitude, result.longitude);
      }
      close();
      say(message("Chosen"));
    }

    function show(found) {
      results = found;
      listbox.replaceChildren();
      if (!found.length) {
        close();
        say(message("None"));
        return;
      }
      found.forEach(function (result, index) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "address-field__option";
        option.textContent = result.label;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        listbox.appendChild(option);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      say(message("Found", found.length));
    }

    function search() {
      var query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        close();
        return;
      }
      say(message("Searching"));
      fetchResults({ q: query }).then(show, function (error) {
        if (error.name !== "AbortError") {
          close();
          say(error.message || message("Error"));
        }
      });
    }

    function fillFromPosition(lat, lon) {
      if (input.value.trim()) {
        return;
      }
      fetchResults({ lat: lat, lon: lon }).then(
        function (found) {
          if (found.length && !input.value.trim()) {
            input.value = found[0].label;
          }
        },
        function () {} // the point is saved anyway; the person types the address
      );
    }

    function locate() {
      say(message("Locating"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var lat = position.coords.latitude;
          var lon = position.coords.longitude;
          setPoint(lat, lon, "device");
          if (map) {
            map.place(lat, lon);
          }
          say(message("Located"));
          fillFromPosition(lat, lon);
        },
        function () {
          say(message("LocateFailed"));
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    }

    // ARIA 1.2 combobox: the input owns a listbox popup.
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    if (autocomplete) {
      input.setAttribute("autocomplete", "off"); // the browser's own list would cover ours
    } else {
      searchButton.hidden = false;
      searchButton.addEventListener("click", search);
    }

    input.addEventListener("input", function () {
      results = [];
      if (pointSource === "suggestion") {
        latInput.value = "";
        lonInput.value = "";
      }
      window.clearTimeout(timer);
      if (autocomplete) {
        timer = window.setTimeout(search, DEBOUNCE_MS);
      } else {
        close();
      }
    });

    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!results.length) {
          return;
        }
        event.preventDefault();
        if (!open) {
          listbox.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        highlight(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // choose, do not send the form
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", close);

    if (locateButton) {
      if (navigator.geolocation && window.isSecureContext) {
        locateButton.addEventListener("click", locate);
      } else {
        locateButton.hidden = true;
      }
    }

    // A point given by the page (e.g. the report form's "use the photo's position").
    root.addEventListener("address:place", function (event) {
      var detail = event.detail || {};
      var lat = Number(detail.latitude);
      var lon = Number(detail.longitude);
      if (!isFinite(lat) || !isFinite(lon)) {
        return;
      }
      setPoint(lat, lon, detail.source || "page");
      if (map) {
        map.place(lat, lon);
      }
      say(detail.message || "");
    });

    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (map && isFinite(lat) && isFinite(lon)) {
      map.place(lat, lon);
    }
  }

  function setupAll(container) {
    container.querySelectorAll("[data-address-field]").forEach(setup);
  }

  setupAll(document);
  document.addEventListener("htmx:load", function (event) {
    setupAll(event.target);
  });
})();
