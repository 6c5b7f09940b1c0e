/* Pick a point on a map (web/picker.py): a click, or the arrow keys once the map has the
   focus, fills the latitude and longitude fields named by the figure's data-latitude and
   data-longitude; typing in them moves the point. Progressive enhancement only: without this
   file the map stays hidden and the two number fields are the form. The projection's numbers
   come from the server; this is the inverse of web/maps.py's Frame or MercatorFrame. */
(function () {
  "use strict";
  var STEP = 8, FINE = 2;  // pixels of the drawing per key press (Shift: finer)

  function number(figure, name) { return parseFloat(figure.getAttribute("data-" + name)); }

  function inverse(figure, x, y) {
    if (figure.getAttribute("data-projection") === "mercator") {
      var world = number(figure, "world");
      var mx = (x + number(figure, "ox")) / world;
      var my = (y + number(figure, "oy")) / world;
      return [Math.atan(Math.sinh(Math.PI * (1 - 2 * my))) * 180 / Math.PI, mx * 360 - 180];
    }
    var scale = number(figure, "scale");
    return [
      number(figure, "lat0") - (y - number(figure, "oy")) / scale,
      number(figure, "lon0") + (x - number(figure, "ox")) / (number(figure, "kx") * scale)
    ];
  }

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

  function setup(figure) {
    var svg = figure.querySelector("svg");
    var marker = svg && svg.querySelector(".picked");
    var lat = document.getElementById(figure.getAttribute("data-latitude"));
    var lon = document.getElementById(figure.getAttribute("data-longitude"));
    var status = document.getElementById(figure.getAttribute("data-status"));
    if (!svg || !marker || !lat || !lon || !svg.createSVGPoint) { return; }
    var box = svg.viewBox.baseVal;
    var at = null;  // the marker's pixel in the drawing

    function show(x, y) {
      at = [x, y];
      marker.setAttribute("cx", x.toFixed(1));
      marker.setAttribute("cy", y.toFixed(1));
    }

    function pick(x, y) {
      x = Math.min(Math.max(x, 0), box.width);
      y = Math.min(Math.max(y, 0), box.height);
      var position = inverse(figure, x, y);
      lat.value = position[0].toFixed(6);
      lon.value = position[1].toFixed(6);
      show(x, y);
      if (status) {
        status.textContent = figure.getAttribute("data-placed") + " : " + lat.value + ", " + lon.value;
      }
      // For the pages that say more of the point (the reports' form: its commune).
      figure.dispatchEvent(new CustomEvent("point-picked", {
        detail: { latitude: lat.value, longitude: lon.value }
      }));
    }

    function typed() {
      var values = [parseFloat(lat.value.replace(",", ".")), parseFloat(lon.value.replace(",", "."))];
      if (isFinite(values[0]) && isFinite(values[1])) {
        var xy = project(figure, values[0], values[1]);
        show(xy[0], xy[1]);
      }
    }

    figure.hidden = false;
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      pick(local.x, local.y);
    });
    svg.addEventListener("keydown", function (event) {
      var moves = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
      var move = moves[event.key];
      if (!move) { return; }
      event.preventDefault();
      var step = event.shiftKey ? FINE : STEP;
      var from = at || [box.width / 2, box.height / 2];
      pick(from[0] + move[0] * step, from[1] + move[1] * step);
    });
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    typed();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var figures = document.querySelectorAll(".point-picker");
    for (var i = 0; i < figures.length; i++) { setup(figures[i]); }
  });
})();
