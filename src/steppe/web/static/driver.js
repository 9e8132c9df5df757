/* Steppe for drivers: the map, the car picker, the live session. Every page works without it. */
(function () {
  "use strict";

  function map(element) {
    var source = document.getElementById("points");
    if (!window.L || !source) { element.hidden = true; return; }
    var points = JSON.parse(source.textContent);
    var view = L.map(element, { scrollWheelZoom: false }).setView([48.0, 67.0], 4);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(view);
    }
    var bounds = [];
    points.forEach(function (p) {  /* [id, name, lat, lon, free connectors] */
      var marker = L.circleMarker([p[2], p[3]], {
        radius: 9, weight: 2, color: "#fff", fillColor: p[4] ? "#1c9a48" : "#8a94a3", fillOpacity: 0.95
      }).addTo(view);
      var link = document.createElement("a");
      link.href = "/stations/" + encodeURIComponent(p[0]);
      link.textContent = p[1];
      marker.bindPopup(link);
      bounds.push([p[2], p[3]]);
    });
    if (bounds.length) { view.fitBounds(bounds, { maxZoom: 13, padding: [24, 24] }); }
    element.dataset.markers = String(points.length);
  }

  function live(section) {
    if (!window.EventSource || section.dataset.state === "ended") { return; }
    var seconds = Number(section.dataset.seconds) || 0;
    var clock = section.querySelector('[data-field="duration"]');
    var ticking = setInterval(function () {
      seconds += 1;
      var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
      clock.textContent = h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }, 1000);
    var source = new EventSource(section.dataset.events);
    source.addEventListener("update", function (message) {
      var data = JSON.parse(message.data);
      ["state", "energy", "power", "cost", "duration"].forEach(function (name) {
        var cell = section.querySelector('[data-field="' + name + '"]');
        if (cell && data[name] != null) { cell.textContent = data[name]; }
      });
      var energy = document.getElementById("energy");
      if (energy) { energy.dataset.wh = String(data.energy_wh); }
      seconds = data.seconds;
      if (data.ended) {
        clearInterval(ticking);
        section.dataset.state = "ended";
        var stop = document.getElementById("stop-form");
        if (stop) { stop.hidden = true; }
      }
    });
    source.addEventListener("receipt", function (message) {
      source.close();
      var link = document.getElementById("receipt-link");
      if (link) {
        link.hidden = false;
        link.querySelector("a").href = JSON.parse(message.data).url;
      }
    });
    section.dataset.live = "open";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("map");
    if (element) { map(element); }
    var section = document.getElementById("live");
    if (section) { live(section); }
    document.querySelectorAll("[data-car-picker]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
