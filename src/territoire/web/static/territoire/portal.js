/* Territoire portal — progressive enhancement only: every page works without this file.
   Adds a "copy" button to the API examples of a dataset page. */
(function () {
  "use strict";
  var french = (document.documentElement.lang || "fr").indexOf("en") !== 0;
  var labels = french
    ? { copy: "Copier", copied: "Copié", failed: "Copie impossible : sélectionnez le texte" }
    : { copy: "Copy", copied: "Copied", failed: "Could not copy: select the text" };
  document.querySelectorAll(".example pre code").forEach(function (code) {
    if (!navigator.clipboard) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = labels.copy;
    var title = code.closest(".example").querySelector("h3");
    if (title) button.setAttribute("aria-label", labels.copy + " — " + title.textContent);
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent).then(
        function () { status.textContent = labels.copied; },
        function () { status.textContent = labels.failed; }
      );
    });
    code.parentNode.parentNode.insertBefore(button, code.parentNode);
    code.parentNode.parentNode.insertBefore(status, code.parentNode);
  });
})();
