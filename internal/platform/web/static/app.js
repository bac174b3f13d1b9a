// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so that screen-reader users hear what went wrong.
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    // Ask before archiving or revoking.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    // Questionnaires: hide a question until the answer it depends on is given (without this,
    // each says when to answer it, and the server ignores answers to questions that do not apply).
    var conditional = document.querySelectorAll("[data-show-if]");
    var showIf = function () {
      conditional.forEach(function (q) {
        var want = [];
        try { want = JSON.parse(q.getAttribute("data-show-if-equals")) || []; } catch (err) { return; }
        var met = false;
        var scope = q.closest("form") || document;
        scope.querySelectorAll('input[name="' + q.getAttribute("data-show-if") + '"]').forEach(function (i) {
          var owner = i.closest(".question");
          if (i.checked && !(owner && owner.hidden) && want.indexOf(i.value) >= 0) { met = true; }
        });
        q.hidden = !met;
        q.style.display = met ? "" : "none";
      });
    };
    if (conditional.length) {
      document.addEventListener("change", showIf);
      showIf();
    }
  });
})();
