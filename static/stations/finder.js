/* The station finder's small progressive layer: "nearest to me" from the browser's location, and a Leaflet
   map of the listed stations. Without JavaScript (or without tiles) the server-rendered list is the page. */
(function () {
  "use strict";

  function locateButton() {
    var button = document.getElementById("locate-me");
    if (!button || !("geolocation" in navigator)) return;
    var form = button.form;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lng.value = position.coords.longitude.toFixed(6);
          if (form.elements.district) form.elements.district.value = "";
          form.submit();
        },
        function () {
          button.disabled = false;
          var note = document.createElement("p");
          note.setAttribute("role", "alert");
          note.className = "locate-error";
          note.textContent = button.getAttribute("data-error");
          form.appendChild(note);
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }

  function stationMap() {
    var holder = document.getElementById("station-map");
    var data = document.getElementById("station-markers");
    if (!holder || !data || typeof L === "undefined") return;
    var markers = JSON.parse(data.textContent);
    var originLat = parseFloat(holder.getAttribute("data-origin-lat"));
    var hasOrigin = !isNaN(originLat);
    if (!markers.length && !hasOrigin) return;
    holder.hidden = false;
    var note = document.getElementById("station-map-note");
    if (note) note.hidden = false;  // the page says which server the map's pictures come from
    var map = L.map(holder, { scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");  // plain text: no flag, no link lost in the text
    var layer = L.tileLayer(holder.getAttribute("data-tile-url"), {
      maxZoom: 18,
      subdomains: holder.getAttribute("data-subdomains") || "abc",
      attribution: holder.getAttribute("data-attribution")
    }).addTo(map);
    // Tiles that do not come (a blocked or unreachable server): the map gives way to the list above it.
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (failed >= 4 && loaded === 0 && !holder.hidden) {
        map.remove();
        holder.hidden = true;
        var message = document.createElement("p");
        message.className = "empty";
        message.setAttribute("role", "status");
        message.textContent = holder.getAttribute("data-text-failed");
        holder.parentNode.insertBefore(message, holder);
      }
    });
    var points = markers.map(function (m) { return [m.lat, m.lng]; });
    var group = L.layerGroup().addTo(map);
    // Markers whose pins would touch on screen (a pin is 25 × 41 px, a group 44 px) become one numbered marker
    // that zooms in when tapped, so no target hides another. Regrouped at every zoom: the page lists a handful of
    // stations, so no clustering library is needed.
    function cluster() {
      group.clearLayers();
      var piles = [];
      markers.forEach(function (m) {
        var at = map.latLngToLayerPoint([m.lat, m.lng]);
        var pile = piles.find(function (p) { return p.at.distanceTo(at) < 64; });
        if (pile) pile.items.push(m);
        else piles.push({ at: at, items: [m] });
      });
      piles.forEach(function (pile) {
        var first = pile.items[0];
        if (pile.items.length === 1) {
          var link = document.createElement("a");
          link.href = first.url;
          link.textContent = first.name;
          L.marker([first.lat, first.lng], { title: first.name, alt: first.name }).addTo(group).bindPopup(link);
          return;
        }
        // The names as a list in the page's language (<html lang>): 、 between Chinese items, ", " in English.
        var sep = (document.documentElement.lang || "zh").indexOf("zh") === 0 ? "、" : ", ";
        var names = pile.items.map(function (m) { return m.name; }).join(sep);
        var bounds = L.latLngBounds(pile.items.map(function (m) { return [m.lat, m.lng]; }));
        var icon = L.divIcon({ className: "station-cluster", html: String(pile.items.length), iconSize: [44, 44] });
        L.marker(bounds.getCenter(), { icon: icon, title: names, alt: names, keyboard: true })
          .addTo(group)
          .on("click", function () { map.fitBounds(bounds, { padding: [48, 48], maxZoom: 18 }); });
      });
    }
    map.on("zoomend", cluster);
    if (hasOrigin) {
      var origin = [originLat, parseFloat(holder.getAttribute("data-origin-lng"))];
      L.circleMarker(origin, { radius: 7, color: "#0b5cad" }).addTo(map);
      points.push(origin);
    }
    if (points.length === 1) map.setView(points[0], 15);
    else map.fitBounds(points, { padding: [24, 24] });
    cluster();
  }

  document.addEventListener("DOMContentLoaded", function () {
    locateButton();
    stationMap();
  });
})();
