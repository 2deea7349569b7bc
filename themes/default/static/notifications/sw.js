/*
 * Voisinage service worker: shows the Web Push notifications sent by
 * notifications.push (a JSON payload {"title", "body", "url", "tag"}).
 *
 * It must be served at /sw.js (scope "/": a worker only controls pages under its
 * own path), with a JavaScript Content-Type. No caching, no offline pages: it only
 * displays notifications and opens the page a click leads to.
 *
 * - "push": shows the notification. A newer notification with the same tag
 *   replaces the previous one (and still rings: renotify).
 * - "notificationclick": focuses a tab already showing the page, otherwise a tab
 *   of the site (sent to the page when the browser allows it), otherwise opens a
 *   new window. Only http(s) URLs are opened (anything else: the home page).
 *
 * Plain ES5 (no arrow functions, no async) for the older browsers of cheap phones.
 */
(function () {
  "use strict";

  // An absolute http(s) URL (relative ones are on this site); the home page otherwise.
  function pageUrl(url) {
    try {
      var parsed = new URL(url || "/", self.location.origin);
      if (parsed.protocol === "https:" || parsed.protocol === "http:") {
        return parsed.href;
      }
    } catch (e) {
      // an unreadable URL: the home page
    }
    return self.location.origin + "/";
  }

  function isOnThisSite(url) {
    return url.indexOf(self.location.origin + "/") === 0;
  }

  function readPayload(event) {
    if (!event.data) {
      return {};
    }
    try {
      return event.data.json() || {};
    } catch (e) {
      return { body: event.data.text() };
    }
  }

  self.addEventListener("install", function () {
    self.skipWaiting();
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
  });

  self.addEventListener("push", function (event) {
    var data = readPayload(event);
    var options = {
      body: data.body || "",
      data: { url: pageUrl(data.url) }
    };
    if (data.tag) {
      options.tag = data.tag;
      options.renotify = true;
    }
    // A push must always show something (browsers penalise silent pushes).
    var title = data.title || self.location.hostname;
    event.waitUntil(self.registration.showNotification(title, options));
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var target = pageUrl(event.notification.data && event.notification.data.url);
    event.waitUntil(
      self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (tabs) {
        var i;
        for (i = 0; i < tabs.length; i += 1) {
          if (tabs[i].url === target && "focus" in tabs[i]) {
            return tabs[i].focus();
          }
        }
        for (i = 0; i < tabs.length; i += 1) {
          if (isOnThisSite(target) && "navigate" in tabs[i] && "focus" in tabs[i]) {
            var tab = tabs[i];
            return tab.focus().then(function (focused) {
              return (focused || tab).navigate(target);
            }).catch(function () {
              return self.clients.openWindow(target);
            });
          }
        }
        if (self.clients.openWindow) {
          return self.clients.openWindow(target);
        }
        return undefined;
      })
    );
  });
})();
