// Keyboard on desktop (j/k next/previous ticket, r reply, n note, / search); everything works without it.
(function () {
  "use strict";
  var typing = function (el) { return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT"); };
  // On a phone the facts start folded behind their toggle: the conversation comes first.
  var facts = document.querySelector("details.facts");
  if (facts && window.matchMedia("(max-width: 59.99rem)").matches) { facts.open = false; }
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
