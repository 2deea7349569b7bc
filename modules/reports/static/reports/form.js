/*
 * The form to report a problem (REP-1), markup in reports/new.html.
 *
 * Without this script the form works with the address alone (the server geocodes it)
 * and every category's questions are shown under the category's name. With it:
 * - only the chosen category's questions (and description) are shown;
 * - a Leaflet map opening on the commune: a tap places the marker (draggable), which
 *   writes the hidden latitude/longitude and the point's source ("map");
 * - "Use my position" (navigator.geolocation, source "device");
 * - suggestions for the address from the account pages' address search (ACC-7), an
 *   ARIA 1.2 combobox (up/down/enter/escape; a "Search" button where the provider
 *   forbids autocomplete): a chosen one places the marker (source "address");
 * - "Use the photo's position" when a chosen JPEG carries EXIF GPS (read here by a small
 *   parser; the server removes EXIF from the photos it keeps; source "photo");
 * - once a category and a point are known, the open reports of that category within
 *   50 m (reports:nearby): "Is it the same problem?" with "Follow this one instead"
 *   (a POST to reports:follow). Once shown, sending means "another problem"
 *   (confirmed_new=1), so the server does not ask again.
 * Words come from data-msg-* attributes, translated by the template. Plain JavaScript;
 * Leaflet is django-leaflet's static file.
 */
(function () {
  "use strict";

  var POINT_ZOOM = 18;

  /* --- EXIF GPS of a JPEG: (lat, lon) or null ----------------------------------- */

  function exifPosition(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) {
      return null;
    }
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      var marker = view.getUint16(offset);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) {
        return null; // not a marker, or the image data: no EXIF before it
      }
      var length = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) { // "Exif"
        return tiffPosition(view, offset + 10);
      }
      offset += 2 + length;
    }
    return null;
  }

  function tiffPosition(view, tiff) {
    var order = view.getUint16(tiff);
    if (order !== 0x4949 && order !== 0x4d4d) {
      return null;
    }
    var little = order === 0x4949;
    function u16(at) { return view.getUint16(tiff + at, little); }
    function u32(at) { return view.getUint32(tiff + at, little); }
    function entries(ifd) {
      var found = {};
      var count = u16(ifd);
      for (var i = 0; i < count; i++) {
        var entry = ifd + 2 + i * 12;
        found[u16(entry)] = { type: u16(entry + 2), count: u32(entry + 4), at: entry + 8 };
      }
      return found;
    }
    function ascii(entry) {
      return entry && entry.count <= 4 ? String.fromCharCode(view.getUint8(tiff + entry.at)) : "";
    }
    function degrees(entry) {
      if (!entry || entry.type !== 5 || entry.count !== 3) {
        return NaN;
      }
      var at = u32(entry.at);
      var total = 0;
      [1, 60, 3600].forEach(function (divisor, i) {
        var denominator = u32(at + i * 8 + 4);
        total += denominator ? u32(at + i * 8) / denominator / divisor : NaN;
      });
      return total;
    }
    try {
      var ifd0 = entries(u32(4));
      if (!ifd0[0x8825]) {
        return null;
      }
      var gps = entries(u32(ifd0[0x8825].at));
      var lat = degrees(gps[2]);
      var lon = degrees(gps[4]);
      if (!isFinite(lat) || !isFinite(lon) || (lat === 0 && lon === 0)) {
        return null;
      }
      if (ascii(gps[1]) === "S") { lat = -lat; }
      if (ascii(gps[3]) === "W") { lon = -lon; }
      return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
    } catch (error) {
      return null; // a truncated or odd file: no position
    }
  }

  function photoPosition(file) {
    if (!file || file.type !== "image/jpeg" || !file.slice || !window.FileReader) {
      return Promise.resolve(null);
    }
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () { resolve(exifPosition(reader.result)); };
      reader.onerror = function () { resolve(null); };
      reader.readAsArrayBuffer(file.slice(0, 256 * 1024));
    });
  }

  /* --- the form ----------------------------------------------------------------- */

  function setup(form) {
    var category = form.querySelector("select[name=category]");
    var location = form.querySelector("[data-report-location]");
    var latInput = form.querySelector("[data-report-latitude]");
    var lonInput = form.querySelector("[data-report-longitude]");
    var sourceInput = form.querySelector("[data-report-source]");
    var confirmed = form.querySelector("input[name=confirmed_new]");
    var photos = form.querySelector("[data-report-photos]");
    var photoBlock = form.querySelector("[data-photo-position]");
    var photoButton = form.querySelector("[data-use-photo-position]");
    var nearby = form.querySelector("[data-nearby]");
    var nearbyList = form.querySelector("[data-nearby-list]");
    var status = location.querySelector("[data-location-status]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var marker = null;
    var map = null;
    var photoPoint = null;
    var asked = "";

    function msg(name) { return location.dataset["msg" + name] || ""; }
    function say(text) { if (status) { status.textContent = text; } }

    // Questions and descriptions of the chosen category only.
    function showCategory() {
      var chosen = category.value;
      form.querySelectorAll("[data-questions-of]").forEach(function (group) {
        group.hidden = group.dataset.questionsOf !== chosen;
        var legend = group.querySelector("legend");
        if (legend) { legend.hidden = true; }
      });
      form.querySelectorAll("[data-category-help] [data-category]").forEach(function (item) {
        item.hidden = item.dataset.category !== chosen;
      });
      checkNearby();
    }

    function setPoint(lat, lon, source, message) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      sourceInput.value = source;
      if (map) {
        if (marker === null) {
          var title = msg("Marker");
          marker = window.L.marker([lat, lon], { draggable: true, autoPan: true, title: title, alt: title }).addTo(map);
          marker.on("dragend", function () {
            var point = marker.getLatLng();
            setPoint(point.lat, point.lng, "map", msg("Placed"));
          });
        } else {
          marker.setLatLng([lat, lon]);
        }
        map.setView([lat, lon], Math.max(map.getZoom(), POINT_ZOOM - 1));
      }
      say(message || "");
      checkNearby();
    }

    function setupMap() {
      var block = location.querySelector("[data-map-block]");
      var element = location.querySelector("[data-map]");
      if (!window.L || !element) {
        return;
      }
      block.hidden = false;
      map = window.L.map(element, { scrollWheelZoom: false, tap: false });
      window.L.tileLayer(location.dataset.tilesUrl, {
        attribution: location.dataset.tilesAttribution,
        maxZoom: 19,
      }).addTo(map);
      var bounds = (location.dataset.bounds || "").split(",").map(Number);
      if (bounds.length === 4 && bounds.every(isFinite)) {
        map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [8, 8] });
      } else {
        map.setView((location.dataset.center || "46.6,1.9").split(",").map(Number), Number(location.dataset.zoom) || 13);
      }
      if (location.dataset.outline) {
        try {
          window.L.geoJSON(JSON.parse(location.dataset.outline), {
            interactive: false,
            style: { color: "#6a6a75", weight: 2, dashArray: "6 4", fill: false },
          }).addTo(map);
        } catch (error) {
          // No outline: the map still works.
        }
      }
      map.on("click", function (event) {
        setPoint(event.latlng.lat, event.latlng.lng, "map", msg("Placed"));
      });
      var locate = location.querySelector("[data-locate]");
      if (locate && navigator.geolocation && window.isSecureContext) {
        locate.hidden = false;
        locate.addEventListener("click", function () {
          say(msg("Locating"));
          navigator.geolocation.getCurrentPosition(function (position) {
            setPoint(position.coords.latitude, position.coords.longitude, "device", msg("Located"));
          }, function () {
            say(msg("LocateFailed"));
          }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
        });
      }
      // A point sent back with an error: show it again.
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (isFinite(lat) && isFinite(lon)) {
        setPoint(lat, lon, sourceInput.value || "map", "");
      }
    }

    // The first chosen JPEG carrying a GPS position offers it.
    function readPhotos() {
      photoPoint = null;
      photoBlock.hidden = true;
      var files = Array.prototype.slice.call(photos.files || []);
      files.reduce(function (chain, file) {
        return chain.then(function (found) { return found || photoPosition(file); });
      }, Promise.resolve(null)).then(function (found) {
        photoPoint = found;
        photoBlock.hidden = !found;
      });
    }

    function followForm(url) {
      var follow = document.createElement("form");
      follow.method = "post";
      follow.action = url;
      [["csrfmiddlewaretoken", csrf ? csrf.value : ""], ["action", "follow"]].forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        follow.appendChild(input);
      });
      return follow;
    }

    function showNearby(results) {
      nearbyList.replaceChildren();
      nearby.hidden = !results.length;
      if (!results.length) {
        return;
      }
      results.forEach(function (item) {
        var row = document.createElement("li");
        row.className = "report-duplicates__item";
        row.dataset.nearbyReport = String(item.id);
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        row.appendChild(link);
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = (nearby.dataset.msgDistance || "{distance} m").replace("{distance}", String(item.distance_m)) + " · " + item.status_label;
        row.appendChild(meta);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button--small";
        button.textContent = nearby.dataset.msgFollow || "";
        button.addEventListener("click", function () {
          var follow = followForm(item.follow_url);
          document.body.appendChild(follow);
          follow.submit();
        });
        row.appendChild(button);
        nearbyList.appendChild(row);
      });
      // The person saw them: sending now means "another problem".
      if (confirmed) { confirmed.value = "1"; }
    }

    function checkNearby() {
      var lat = latInput.value;
      var lon = lonInput.value;
      if (!category.value || !lat || !lon) {
        return;
      }
      var key = [category.value, lat, lon].join(",");
      if (key === asked) {
        return;
      }
      asked = key;
      var url = new URL(form.dataset.nearbyUrl, window.location.href);
      url.searchParams.set("category", category.value);
      url.searchParams.set("latitude", lat);
      url.searchParams.set("longitude", lon);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (key === asked) { showNearby(data.results || []); } })
        .catch(function () {}); // the server checks again when the form is sent
    }

    function setupAddress() {
      var box = form.querySelector("[data-address-search-url]");
      var input = form.querySelector("[data-report-address]");
      var listbox = box && box.querySelector("[data-address-listbox]");
      var said = box && box.querySelector("[data-address-status]");
      var button = box && box.querySelector("[data-address-search]");
      if (!box || !input || !listbox || !window.fetch) {
        return;
      }
      var results = [];
      var active = -1;
      var timer = null;
      var controller = null;
      function text(name, count) {
        return (box.dataset["msg" + name] || "").replace("{count}", String(count));
      }
      function tell(words) { said.textContent = words; }
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
      }
      function choose(index) {
        var result = results[index];
        input.value = result.label;
        close();
        setPoint(result.latitude, result.longitude, "address", text("Chosen"));
      }
      function show(found) {
        results = found;
        listbox.replaceChildren();
        if (!found.length) {
          close();
          tell(text("None"));
          return;
        }
        found.forEach(function (result, index) {
          var option = document.createElement("li");
          option.id = listbox.id + "-" + index;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.className = "report-form__option";
          option.textContent = result.label;
          option.addEventListener("mousedown", function (event) { event.preventDefault(); });
          option.addEventListener("click", function () { choose(index); });
          listbox.appendChild(option);
        });
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
        tell(text("Found", found.length));
      }
      function search() {
        var query = input.value.trim();
        if (query.length < 3) {
          close();
          return;
        }
        if (controller) { controller.abort(); }
        controller = new AbortController();
        var url = new URL(box.dataset.addressSearchUrl, window.location.href);
        url.searchParams.set("q", query);
        tell(text("Searching"));
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal })
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.json();
          })
          .then(function (data) { show(data.results || []); })
          .catch(function (error) {
            if (error.name !== "AbortError") {
              close();
              tell(text("Error"));
            }
          });
      }
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", listbox.id);
      var autocomplete = box.dataset.addressAutocomplete === "true";
      if (autocomplete) {
        input.setAttribute("autocomplete", "off"); // the browser's own list would cover ours
      } else if (button) {
        button.hidden = false;
        button.addEventListener("click", search);
      }
      input.addEventListener("input", function () {
        results = [];
        // A point from a chosen address follows the text; one placed by hand stays.
        if (sourceInput.value === "address") {
          latInput.value = "";
          lonInput.value = "";
          sourceInput.value = "";
          if (marker !== null) {
            map.removeLayer(marker);
            marker = null;
          }
        }
        window.clearTimeout(timer);
        if (autocomplete) {
          timer = window.setTimeout(search, 350);
        } else {
          close();
        }
      });
      input.addEventListener("keydown", function (event) {
        var open = !listbox.hidden;
        if ((event.key === "ArrowDown" || event.key === "ArrowUp") && results.length) {
          event.preventDefault();
          if (!open) {
            listbox.hidden = false;
            input.setAttribute("aria-expanded", "true");
          }
          highlight(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
        } else if (event.key === "Enter" && open && active >= 0) {
          event.preventDefault(); // choose, do not send the form
          choose(active);
        } else if (event.key === "Enter" && !autocomplete) {
          event.preventDefault();
          search();
        } else if (event.key === "Escape" && open) {
          event.preventDefault();
          close();
        }
      });
      input.addEventListener("blur", close);
    }

    setupMap();
    setupAddress();
    category.addEventListener("change", showCategory);
    showCategory();
    if (photos && photoBlock && photoButton) {
      photos.addEventListener("change", readPhotos);
      photoButton.addEventListener("click", function () {
        if (photoPoint) {
          setPoint(photoPoint[0], photoPoint[1], "photo", msg("Photo"));
        }
      });
    }
  }

  function start() {
    document.querySelectorAll("[data-report-form]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
