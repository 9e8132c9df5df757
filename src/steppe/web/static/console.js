/* Steppe console: the map, live updates over the event stream, charts. Pages work without it. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var SIGNS = { KZT: "₸", RUB: "₽", KGS: "сом", UZS: "сўм", CNY: "¥" };
  var COLORS = { online: "#1f9d4a", offline: "#8a94a3", faulted: "#d93025", pending: "#f0a500" };
  var WORST = ["faulted", "offline", "pending", "online"];

  function number(value, digits) {
    return new Intl.NumberFormat(lang, {
      minimumFractionDigits: digits, maximumFractionDigits: digits
    }).format(value);
  }

  function money(amount, currency) {
    var text = number(Number(amount), 2);
    var sign = SIGNS[currency] || currency;
    return lang === "en" ? sign + text : text + "\u00a0" + sign;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  /* htmx sends the form token on every request it makes. */
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
  });

  function stationsMap(element) {
    if (!window.L) { return; }
    var map = L.map(element, { scrollWheelZoom: false }).setView([48.0, 67.0], 4);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 18, attribution: element.dataset.attribution || ""
      }).addTo(map);
    }
    fetch(element.dataset.points, { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (points) {
        var group = L.markerClusterGroup ? L.markerClusterGroup({
          iconCreateFunction: function (cluster) {
            var states = cluster.getAllChildMarkers().map(function (m) { return m.options.state; });
            var worst = WORST.filter(function (s) { return states.indexOf(s) >= 0; })[0] || "online";
            return L.divIcon({
              html: "<span>" + cluster.getChildCount() + "</span>",
              className: "cluster cluster-" + worst,
              iconSize: [36, 36]
            });
          }
        }) : L.layerGroup();
        var bounds = [];
        points.forEach(function (row) {
          var p = { id: row[0], name: row[1] || row[0], city: row[2], lat: row[3], lon: row[4], state: row[5] };
          var marker = L.circleMarker([p.lat, p.lon], {
            radius: 8, weight: 2, color: "#fff", fillColor: COLORS[p.state] || "#555",
            fillOpacity: 0.95, state: p.state
          });
          marker.bindPopup('<a href="/console/stations/' + encodeURIComponent(p.id) + '">' +
            escapeHtml(p.name) + "</a><br>" + escapeHtml(p.city || "") +
            " · " + escapeHtml(element.dataset["label" + p.state] || p.state));
          group.addLayer(marker);
          bounds.push([p.lat, p.lon]);
        });
        map.addLayer(group);
        if (bounds.length) { map.fitBounds(bounds, { maxZoom: 12, padding: [20, 20] }); }
        element.dataset.markers = String(points.length);
      });
  }

  function pickerMap(element) {
    if (!window.L) { return; }
    var lat = document.getElementById(element.dataset.lat);
    var lon = document.getElementById(element.dataset.lon);
    var start = [Number(lat.value) || 48.0, Number(lon.value) || 67.0];
    var map = L.map(element).setView(start, lat.value ? 13 : 4);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 19, attribution: element.dataset.attribution || ""
      }).addTo(map);
    }
    var marker = L.circleMarker(start, { radius: 9, color: "#fff", fillColor: "#0b5cad", fillOpacity: 1 });
    if (lat.value) { marker.addTo(map); }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      marker.setLatLng(event.latlng).addTo(map);
    });
  }

  function updateTransaction(event) {
    var data = event.data || {};
    var row = document.querySelector('[data-tx="' + CSS.escape(event.station_id + "|" + data.transaction_id) + '"]');
    if (!row || data.meter_wh == null) { return; }
    var start = Number(row.dataset.meterStart || data.meter_wh);
    var energy = Math.max(Number(data.meter_wh) - start, 0);
    var now = Date.parse(event.at) || Date.now();
    var previous = Number(row.dataset.lastWh);
    var previousAt = Number(row.dataset.lastAt);
    var cell = row.querySelector('[data-field="energy"]');
    if (cell) { cell.textContent = number(energy / 1000, 2); }
    if (!isNaN(previous) && previousAt && now > previousAt && row.dataset.lastWh !== "") {
      var watts = (Number(data.meter_wh) - previous) * 3600000 / (now - previousAt);
      var power = row.querySelector('[data-field="power"]');
      if (power && watts >= 0) { power.textContent = number(watts / 1000, 1); }
    }
    row.dataset.lastWh = String(data.meter_wh);
    row.dataset.lastAt = String(now);
    if (data.cost && data.cost.incl_vat != null) {
      var cost = row.querySelector('[data-field="cost"]');
      if (cost) { cost.textContent = money(data.cost.incl_vat, data.cost.currency); }
    }
  }

  function live(main) {
    if (!window.EventSource) { return; }
    var source = new EventSource(main.dataset.live, { withCredentials: true });
    var pending = {};
    function refresh(type) {
      document.querySelectorAll("[data-refresh-on]").forEach(function (element) {
        if (element.dataset.refreshOn.split(" ").indexOf(type) < 0 || !window.htmx) { return; }
        var key = element.id || "x";
        if (pending[key]) { return; }
        pending[key] = setTimeout(function () {
          delete pending[key];
          htmx.trigger(element, "refresh");
        }, 400);
      });
    }
    ["transaction.updated", "transaction.started", "transaction.ended", "connector.status",
     "station.connected", "station.disconnected", "station.booted", "command.result"]
      .forEach(function (type) {
        source.addEventListener(type, function (message) {
          var event = JSON.parse(message.data);
          if (type === "transaction.updated") { updateTransaction(event); }
          refresh(type);
        });
      });
    main.dataset.liveState = "connecting";
    source.onopen = function () { main.dataset.liveState = "open"; };
    source.onerror = function () { main.dataset.liveState = "retrying"; };
  }

  function chart(element) {
    if (!window.uPlot) { return; }
    var data = JSON.parse(document.getElementById(element.dataset.source).textContent);
    if (!data.t.length) { return; }
    var labels = JSON.parse(element.dataset.labels);
    new uPlot({
      width: Math.max(element.clientWidth, 300), height: 280,
      series: [
        {},
        { label: labels.energy, stroke: "#0b5cad", width: 2, scale: "kwh" },
        { label: labels.power, stroke: "#d97706", width: 2, scale: "kw" }
      ],
      axes: [{}, { scale: "kwh", label: labels.energy }, { scale: "kw", side: 1, label: labels.power, grid: { show: false } }]
    }, [data.t, data.energy, data.power], element);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-points]").forEach(stationsMap);
    document.querySelectorAll("[data-pick-map]").forEach(pickerMap);
    document.querySelectorAll("[data-chart]").forEach(chart);
    var main = document.querySelector("main[data-live]");
    if (main) { live(main); }
  });
})();
