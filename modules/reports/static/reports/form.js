/*
 * The form to report a problem (REP-1), markup in reports/new.html.
 *
 * Without this script the form works with the address alone (the server geocodes it)
 * and every category's questions are shown under the category's name. With it:
 * - only the chosen category's questions (and description) are shown;
 * - the place is the account pages' address field (includes/address_field.html,
 *   themes/default/js/address.js: suggestions, a map of the commune where a tap or a
 *   drag places the point, "Use my position"); each new point it tells
 *   ("address:point") gives the point's source: "address" (a suggestion chosen),
 *   "map", "device" or "photo";
 * - "Use the photo's position" when a chosen JPEG carries EXIF GPS (read here by a small
 *   parser; the server removes EXIF from the photos it keeps; source "photo"): the
 *   address field places it ("address:place");
 * - once a category and a point are known, the open reports of that category within
 *   50 m (reports:nearby): "Is it the same problem?" with "Follow this one instead"
 *   (a POST to reports:follow). Once shown, sending means "another problem"
 *   (confirmed_new=1), so the server does not ask again.
 * Words come from data-msg-* attributes, translated by the template. Plain JavaScript.
 */
(function () {
  "use strict";

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

  // The address field's point sources, as the report keeps them (Report.Source).
  var SOURCES = { suggestion: "address", map: "map", device: "device", photo: "photo" };

  function setup(form) {
    var category = form.querySelector("select[name=category]");
    var location = form.querySelector("[data-report-location]");
    var field = location && location.querySelector("[data-address-field]");
    var latInput = form.querySelector("input[name=latitude]");
    var lonInput = form.querySelector("input[name=longitude]");
    var sourceInput = form.querySelector("[data-report-source]");
    var confirmed = form.querySelector("input[name=confirmed_new]");
    var photos = form.querySelector("[data-report-photos]");
    var photoBlock = form.querySelector("[data-photo-position]");
    var photoButton = form.querySelector("[data-use-photo-position]");
    var nearby = form.querySelector("[data-nearby]");
    var nearbyList = form.querySelector("[data-nearby-list]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var photoPoint = null;
    var asked = "";

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

    category.addEventListener("change", showCategory);
    showCategory();
    if (field) {
      // The address field wrote the hidden latitude/longitude; the report keeps the source.
      field.addEventListener("address:point", function (event) {
        sourceInput.value = SOURCES[event.detail.source] || "map";
        checkNearby();
      });
    }
    if (photos && photoBlock && photoButton && field) {
      photos.addEventListener("change", readPhotos);
      photoButton.addEventListener("click", function () {
        if (photoPoint) {
          field.dispatchEvent(new CustomEvent("address:place", {
            detail: {
              latitude: photoPoint[0],
              longitude: photoPoint[1],
              source: "photo",
              message: location.dataset.msgPhoto || "",
            },
          }));
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
