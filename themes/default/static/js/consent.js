/*
 * Cookie consent (ACC-14), progressive enhancement: every form here works without it.
 *
 * - The consent forms ([data-consent-form]: the banner, "Always allow" on an embed)
 *   are posted with fetch: the banner goes away without a reload, the content the
 *   person agreed to appears, and a status message is announced.
 * - "Show the video" ([data-consent-show]) shows one embed, once, without recording
 *   consent: its HTML waits in an inert <template> until then.
 *
 * Plain ES5 for the older browsers of cheap phones; without fetch or <template> the
 * page keeps its no-JavaScript behaviour.
 */
(function () {
  "use strict";

  if (!window.fetch || !window.FormData || !("content" in document.createElement("template"))) {
    return;
  }

  var status = document.querySelector("[data-consent-status]");

  function each(selector, root, callback) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), callback);
  }

  function announce(text) {
    if (!status || !text) {
      return;
    }
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 100);
  }

  // Replaces a placeholder with the content of its <template>; returns the new element.
  function reveal(placeholder) {
    var template = placeholder.querySelector("template[data-consent-content]");
    if (!template || !placeholder.parentNode) {
      return null;
    }
    var content = document.createElement("div");
    content.className = "consent-embed__content";
    content.setAttribute("tabindex", "-1");
    content.appendChild(document.importNode(template.content, true));
    placeholder.parentNode.replaceChild(content, placeholder);
    return content;
  }

  function revealPurpose(purpose) {
    var revealed = [];
    each("[data-consent-embed]", null, function (placeholder) {
      if (placeholder.getAttribute("data-consent-purpose") === purpose) {
        revealed.push({ placeholder: placeholder, content: reveal(placeholder) });
      }
    });
    return revealed;
  }

  each("[data-consent-embed]", null, function (placeholder) {
    each("[data-consent-show]", placeholder, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var content = reveal(placeholder);
        if (content) {
          content.focus();
        }
      });
    });
  });

  each("form[data-consent-form]", null, function (form) {
    var lastSubmitter = null;

    // event.submitter is recent (Safari 15.4): remember the button that was used.
    form.addEventListener("click", function (event) {
      var target = event.target;
      if (target && target.type === "submit" && target.form === form) {
        lastSubmitter = target;
      }
    });

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || lastSubmitter;
      var data = new FormData(form);
      if (submitter && submitter.name) {
        data.append(submitter.name, submitter.value);
      }
      event.preventDefault();

      var banner = document.querySelector("[data-consent-banner]");
      var placeholder = form.closest ? form.closest("[data-consent-embed]") : null;
      var focusWasInBanner = banner && banner.contains(document.activeElement);

      // Not form.action: the buttons named "action" shadow that property.
      window
        .fetch(form.getAttribute("action") || window.location.href, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (result) {
          var focusTarget = null;
          Object.keys(result.purposes || {}).forEach(function (purpose) {
            if (result.purposes[purpose]) {
              revealPurpose(purpose).forEach(function (item) {
                if (item.placeholder === placeholder) {
                  focusTarget = item.content;
                }
              });
            }
          });
          if (banner && !result.banner) {
            banner.hidden = true;
            if (focusWasInBanner) {
              focusTarget = document.getElementById("main");
            }
          }
          announce(result.message);
          if (focusTarget) {
            focusTarget.focus();
          }
        })
        .catch(function () {
          // Fall back to the plain form post (the button's value in a hidden field).
          if (submitter && submitter.name) {
            var field = document.createElement("input");
            field.type = "hidden";
            field.name = submitter.name;
            field.value = submitter.value;
            form.appendChild(field);
          }
          form.submit();
        });
    });
  });
})();
