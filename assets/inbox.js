// Keyboard on desktop (j/k next/previous ticket, r reply, n note, / search); everything works without it.
(function () {
  "use strict";
  var typing = function (el) { return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT"); };
  // On a phone the facts start folded behind their toggle: the conversation comes first.
  var facts = document.querySelector("details.facts");
  if (facts && window.matchMedia("(max-width: 59.99rem)").matches) { facts.open = false; }
  // A canned reply goes into the reply box without a reload (without JavaScript its link reloads the page with it).
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("details.canned a[data-text]");
    var box = document.getElementById("reply-text");
    if (!link || !box) { return; }
    e.preventDefault();
    box.value = link.getAttribute("data-text");
    link.closest("details").open = false;
    box.focus();
  });
  // Replies still on their way: their delivery state is asked again every few seconds for two minutes.
  var conversation = document.getElementById("conversation");
  if (conversation && conversation.getAttribute("data-ticket")) {
    var labels = JSON.parse(conversation.getAttribute("data-labels") || "{}");
    var classes = { pending: "pending", sending: "pending", sent: "sent", delivered: "delivered", read: "delivered", undeliverable: "failed", unknown: "unknown" };
    var rounds = 0;
    var poll = function () {
      var waiting = conversation.querySelectorAll(".delivery.d-pending[data-message]");
      if (!waiting.length || rounds++ > 30) { return; }
      fetch("/api/v1/tickets/" + conversation.getAttribute("data-ticket"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (ticket) {
          if (!ticket) { return; }
          ticket.conversation.forEach(function (m) {
            var el = conversation.querySelector('.delivery[data-message="' + m.id + '"]');
            if (!el || !m.delivery) { return; }
            var state = m.delivery.state;
            el.className = "delivery d-" + (classes[state] || "pending");
            el.textContent = (labels[state] || state) + (m.delivery.last_error && (state === "undeliverable" || state === "unknown") ? ": " + m.delivery.last_error : "");
          });
          setTimeout(poll, 4000);
        })
        .catch(function () { setTimeout(poll, 8000); });
    };
    setTimeout(poll, 3000);
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) { return; }
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue .open"));
    var at = rows.indexOf(document.activeElement);
    var focus = function (id) { var el = document.getElementById(id); if (el) { e.preventDefault(); el.focus(); } };
    if (e.key === "j" && rows.length) { e.preventDefault(); rows[Math.min(at + 1, rows.length - 1)].focus(); }
    else if (e.key === "k" && rows.length) { e.preventDefault(); rows[Math.max(at - 1, 0)].focus(); }
    else if (e.key === "/") { focus("q"); }
    else if (e.key === "r") { focus("reply-text"); }
    else if (e.key === "n") { focus("note-text"); }
  });
})();
