/* Recipient search as you type (progressive enhancement of /messages/nouveau/).
 * Without JavaScript the page works the same with its "Rechercher" button: this only
 * fills the results while typing, from GET /api/v1/messages/recipients/?q=.
 * The buttons it draws are the page's own ("Ajouter …", name="add"), so choosing still
 * goes through the server. */
(function () {
  "use strict";
  var form = document.querySelector("[data-recipient-search]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var box = form.querySelector("[data-recipient-results]");
  if (!input || !box) { return; }
  var addLabel = box.getAttribute("data-add-label") || "Ajouter";
  var emptyLabel = box.getAttribute("data-empty-label") || "";
  var timer = null;
  var chosen = Array.prototype.map.call(
    form.querySelectorAll("input[name=to]"), function (el) { return el.value; });

  function render(people) {
    box.textContent = "";
    if (!people.length) {
      var p = document.createElement("p");
      p.textContent = emptyLabel;
      box.appendChild(p);
      return;
    }
    var list = document.createElement("ul");
    list.className = "recipient-results";
    people.forEach(function (person) {
      if (!person.id || chosen.indexOf(String(person.id)) !== -1) { return; }
      var item = document.createElement("li");
      item.appendChild(document.createTextNode(person.display_name + " "));
      var button = document.createElement("button");
      button.type = "submit";
      button.name = "add";
      button.value = person.id;
      button.className = "button button--small";
      button.textContent = addLabel + " " + person.display_name;
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) { box.textContent = ""; return; }
    timer = setTimeout(function () {
      fetch("/api/v1/messages/recipients/?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : [];
      }).then(render).catch(function () {});
    }, 250);
  });
})();
