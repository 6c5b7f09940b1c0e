/* Reports: pick the point of a new report by clicking the map. Progressive enhancement only:
   without this file the latitude and longitude are typed. The projection's numbers come from
   the server (web/views/reports._picker), the inverse of web/maps.py's Frame or MercatorFrame. */
(function () {
  "use strict";
  function number(figure, name) { return parseFloat(figure.getAttribute("data-" + name)); }

  function inverse(figure, x, y) {
    if (figure.getAttribute("data-projection") === "mercator") {
      var world = number(figure, "world");
      var mx = (x + number(figure, "ox")) / world;
      var my = (y + number(figure, "oy")) / world;
      var lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * my))) * 180 / Math.PI;
      return [lat, mx * 360 - 180];
    }
    var scale = number(figure, "scale");
    return [
      number(figure, "lat0") - (y - number(figure, "oy")) / scale,
      number(figure, "lon0") + (x - number(figure, "ox")) / (number(figure, "kx") * scale)
    ];
  }

  // The drawing's pixel of a position (web/maps.py's projection), to show a point typed before.
  function project(figure, lat, lon) {
    if (figure.getAttribute("data-projection") === "mercator") {
      var world = number(figure, "world");
      var phi = lat * Math.PI / 180;
      var my = (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
      return [((lon + 180) / 360) * world - number(figure, "ox"), my * world - number(figure, "oy")];
    }
    var scale = number(figure, "scale");
    return [
      number(figure, "ox") + (lon - number(figure, "lon0")) * number(figure, "kx") * scale,
      number(figure, "oy") + (number(figure, "lat0") - lat) * scale
    ];
  }

  function place(figure, marker, lat, lon) {
    var xy = project(figure, lat, lon);
    marker.setAttribute("cx", xy[0].toFixed(1));
    marker.setAttribute("cy", xy[1].toFixed(1));
  }

  // Where the point fell (the commune, the quartier), asked of the native API's reverse lookup;
  // the sentences are the page's, translated by the server.
  function tell(figure, lat, lon) {
    var line = figure.parentNode.querySelector(".report-place");
    if (!line || !window.fetch) { return; }
    var url = line.getAttribute("data-url") + "?latitude=" + lat + "&longitude=" + lon;
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

  function setup(figure) {
    var svg = figure.querySelector("svg");
    var marker = svg.querySelector(".picked");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!svg || !lat || !lon || !svg.createSVGPoint) { return; }
    figure.hidden = false;  // without this script, the <noscript> image map stands in
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      var position = inverse(figure, local.x, local.y);
      lat.value = position[0].toFixed(6);
      lon.value = position[1].toFixed(6);
      marker.setAttribute("cx", local.x.toFixed(1));
      marker.setAttribute("cy", local.y.toFixed(1));
      tell(figure, lat.value, lon.value);
    });
    var typed = [parseFloat(lat.value.replace(",", ".")), parseFloat(lon.value.replace(",", "."))];
    if (isFinite(typed[0]) && isFinite(typed[1])) { place(figure, marker, typed[0], typed[1]); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var figures = document.querySelectorAll(".report-picker");
    for (var i = 0; i < figures.length; i++) { setup(figures[i]); }
  });
})();
