/* Reports: after a point is placed on the form's map (the shared picker, picker.js, which fills
   the latitude and longitude), say where it fell — its commune and quartier, or that it is
   outside the territory — from the native API's reverse lookup. Progressive enhancement only:
   without scripts the <noscript> image map places the point and the page says where. */
(function () {
  "use strict";

  // The sentences are the page's, translated by the server.
  function tell(line, lat, lon) {
    if (!window.fetch) { return; }
    var url = line.getAttribute("data-url") + "?latitude=" + encodeURIComponent(lat) +
      "&longitude=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (place) {
        if (!place) { line.textContent = ""; return; }
        var text = !place.is_inside ? line.getAttribute("data-outside")
          : line.getAttribute(place.quartier ? "data-quartier" : "data-commune");
        line.textContent = text.replace("{commune}", place.commune || "")
          .replace("{quartier}", place.quartier || "");
      })
      .catch(function () { line.textContent = ""; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var line = document.querySelector(".report-place");
    var figure = document.querySelector(".report-form .point-picker");
    if (!line || !figure) { return; }
    figure.addEventListener("point-picked", function (event) {
      tell(line, event.detail.latitude, event.detail.longitude);
    });
  });
})();
