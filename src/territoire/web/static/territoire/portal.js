/* Territoire portal — progressive enhancement only: every page works without this file.
   Adds a "copy" button to the API examples of a dataset page. Without JavaScript there is no
   button and the examples stay selectable text. */
(function () {
  "use strict";
  var french = (document.documentElement.lang || "fr").indexOf("en") !== 0;
  var labels = french
    ? { copy: "Copier", copied: "Copié", failed: "Copie impossible : le texte est sélectionné, copiez-le avec Ctrl+C" }
    : { copy: "Copy", copied: "Copied", failed: "Could not copy: the text is selected, copy it with Ctrl+C" };

  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The Clipboard API exists only in secure contexts (https, localhost): elsewhere, the older
  // selection + execCommand("copy") still works in the browsers that support it.
  function copy(code) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(code.textContent).catch(function () {
        return fallback(code);
      });
    }
    return fallback(code);
  }

  function fallback(code) {
    return new Promise(function (resolve, reject) {
      select(code);
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      if (done) { window.getSelection().removeAllRanges(); resolve(); } else { reject(); }
    });
  }

  document.querySelectorAll(".example pre code").forEach(function (code) {
    var example = code.closest(".example");
    var pre = code.parentNode;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = labels.copy;
    var title = example.querySelector("h3");
    if (title) button.setAttribute("aria-label", labels.copy + " — " + title.textContent);
    // The live region exists (empty) before anything is written into it, so that screen readers
    // announce the change; it is polite: the message waits for what is being read.
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var timer = null;
    function say(message, failed) {
      // emptied first, so that the same message after a second click is announced again
      status.textContent = "";
      status.classList.toggle("copy-failed", !!failed);
      window.setTimeout(function () { status.textContent = message; }, 50);
      window.clearTimeout(timer);
      if (!failed) timer = window.setTimeout(function () { status.textContent = ""; }, 5000);
    }
    button.addEventListener("click", function () {
      copy(code).then(
        function () { say(labels.copied, false); },
        function () { select(code); say(labels.failed, true); }
      );
    });
    example.insertBefore(button, pre);
    example.insertBefore(status, pre);
  });
})();
