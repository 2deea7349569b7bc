/*
 * Web Push subscription button (notifications.push).
 *
 *   <button type="button" hidden data-push-subscribe
 *           data-vapid-key="{{ vapid_public_key }}"
 *           data-subscribe-url="…" data-unsubscribe-url="…"
 *           data-csrf-token="{{ csrf_token }}"
 *           data-label-on="…"       (shown while this browser receives notifications)
 *           data-label-off="…"      (shown while it does not)
 *           data-label-denied="…"   (optional: the person blocked notifications;
 *                                    without it the button stays hidden then)
 *           data-label-error="…"    (optional: the last attempt failed)
 *           data-sw-url="/sw.js">   (optional, default /sw.js)
 *
 * Render the button `hidden`: this script shows it only where push works (a
 * browser with service workers and PushManager, a VAPID key) and leaves it hidden
 * everywhere else. On page load it registers the service worker (scope "/") and
 * reads the current subscription, but it asks for the permission only when the
 * button is clicked, never on page load. Subscribing POSTs
 * {"endpoint", "keys": {"p256dh", "auth"}} as JSON to data-subscribe-url;
 * unsubscribing POSTs {"endpoint"} to data-unsubscribe-url (both with the
 * X-CSRFToken header and the session cookie). The button's state is in
 * data-push-state ("on", "off", "denied", "error") and aria-pressed.
 *
 * No text here: every label comes from the template (translated there).
 * Plain ES5 (no arrow functions, no async) for the older browsers of cheap phones.
 */
(function () {
  "use strict";

  var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-push-subscribe]"));
  if (!buttons.length) {
    return;
  }

  function hide(button) {
    button.hidden = true;
    button.setAttribute("hidden", "");
  }

  var supported =
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window &&
    "fetch" in window &&
    "Promise" in window;
  if (!supported) {
    buttons.forEach(hide);
    return;
  }

  // The VAPID public key (base64url) as the bytes PushManager.subscribe expects.
  function urlBase64ToUint8Array(base64String) {
    var padding = "====".slice(0, (4 - (base64String.length % 4)) % 4);
    var base64 = (base64String + padding).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var output = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      output[i] = raw.charCodeAt(i);
    }
    return output;
  }

  function sameBytes(buffer, bytes) {
    if (!buffer) {
      return true; // the browser does not tell: assume the subscription is ours
    }
    var view = new Uint8Array(buffer);
    if (view.length !== bytes.length) {
      return false;
    }
    for (var i = 0; i < view.length; i += 1) {
      if (view[i] !== bytes[i]) {
        return false;
      }
    }
    return true;
  }

  // Notification.requestPermission: a promise in current browsers, a callback in old ones.
  function requestPermission() {
    return new Promise(function (resolve) {
      var result = Notification.requestPermission(resolve);
      if (result && typeof result.then === "function") {
        result.then(resolve);
      }
    });
  }

  var registrations = {};

  function registration(swUrl) {
    if (!registrations[swUrl]) {
      registrations[swUrl] = navigator.serviceWorker
        .register(swUrl, { scope: "/" })
        .then(function () {
          return navigator.serviceWorker.ready;
        });
    }
    return registrations[swUrl];
  }

  function setup(button) {
    var vapidKey = button.getAttribute("data-vapid-key") || "";
    var subscribeUrl = button.getAttribute("data-subscribe-url");
    var unsubscribeUrl = button.getAttribute("data-unsubscribe-url");
    var csrfToken = button.getAttribute("data-csrf-token") || "";
    var swUrl = button.getAttribute("data-sw-url") || "/sw.js";
    var state = "off";
    var serverKey;

    try {
      serverKey = urlBase64ToUint8Array(vapidKey);
    } catch (e) {
      serverKey = null;
    }
    if (!serverKey || serverKey.length !== 65 || !subscribeUrl || !unsubscribeUrl) {
      hide(button);
      return;
    }

    function show(newState) {
      var label = button.getAttribute("data-label-" + newState);
      if (newState === "error" && !label) {
        newState = state; // no error label: back to the last known state
        label = button.getAttribute("data-label-" + newState);
      }
      if (newState === "denied" && !label) {
        state = newState;
        hide(button);
        return;
      }
      state = newState === "error" ? state : newState;
      if (label) {
        button.textContent = label;
      }
      button.setAttribute("data-push-state", newState);
      button.setAttribute("aria-pressed", newState === "on" ? "true" : "false");
      button.removeAttribute("aria-busy");
      button.disabled = newState === "denied";
      button.hidden = false;
      button.removeAttribute("hidden");
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken
        },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response;
      });
    }

    function currentSubscription() {
      return registration(swUrl).then(function (reg) {
        return reg.pushManager.getSubscription();
      });
    }

    function subscribe() {
      return requestPermission().then(function (permission) {
        if (permission !== "granted") {
          return permission === "denied" ? "denied" : "off";
        }
        return registration(swUrl)
          .then(function (reg) {
            return reg.pushManager.getSubscription().then(function (existing) {
              var stale = existing ? existing.unsubscribe() : Promise.resolve();
              return stale.then(function () {
                return reg.pushManager.subscribe({
                  userVisibleOnly: true,
                  applicationServerKey: serverKey
                });
              });
            });
          })
          .then(function (subscription) {
            var json = subscription.toJSON();
            var body = {
              endpoint: json.endpoint,
              keys: { p256dh: json.keys.p256dh, auth: json.keys.auth }
            };
            return post(subscribeUrl, body).then(
              function () {
                return "on";
              },
              function (error) {
                // The site did not store it: do not leave a subscription nobody uses.
                return subscription.unsubscribe().then(
                  function () {
                    throw error;
                  },
                  function () {
                    throw error;
                  }
                );
              }
            );
          });
      });
    }

    function unsubscribe() {
      return currentSubscription().then(function (subscription) {
        if (!subscription) {
          return "off";
        }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          // If the site misses this, the push service answers "gone" at the next
          // notification and the site forgets the subscription then.
          return post(unsubscribeUrl, { endpoint: endpoint }).then(
            function () {
              return "off";
            },
            function () {
              return "off";
            }
          );
        });
      });
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      (state === "on" ? unsubscribe() : subscribe()).then(show, function () {
        show("error");
      });
    });

    currentSubscription()
      .then(function (subscription) {
        if (subscription && subscription.options &&
            !sameBytes(subscription.options.applicationServerKey, serverKey)) {
          // Made with a former key pair: the push service would refuse our messages.
          return subscription.unsubscribe().then(function () {
            return null;
          });
        }
        return subscription;
      })
      .then(function (subscription) {
        if (subscription) {
          show("on");
        } else {
          show(Notification.permission === "denied" ? "denied" : "off");
        }
      })
      .catch(function () {
        hide(button);
      });
  }

  buttons.forEach(setup);
})();
