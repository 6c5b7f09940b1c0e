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

  function setup(figure) {
    var svg = figure.querySelector("svg");
    var marker = svg.querySelector(".picked");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!svg || !lat || !lon || !svg.createSVGPoint) { return; }
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
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var figures = document.querySelectorAll(".report-picker");
    for (var i = 0; i < figures.length; i++) { setup(figures[i]); }
  });
})();
