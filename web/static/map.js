// The incident map: county outlines and open incidents drawn with Leaflet on a plain
// background (no tile server); a click fills the longitude and latitude of the form.
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
      });
  }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  function popup(properties) {
    var box = document.createElement("div");
    box.appendChild(text("#" + properties.id + " " + properties.name));
    box.appendChild(document.createElement("br"));
    box.appendChild(text((properties.county_name || "") + " · " + properties.people + " · P" + properties.priority));
    return box;
  }

  function start() {
    var element = document.getElementById("map");
    if (!element || typeof L === "undefined") { return; }
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25, preferCanvas: false });
    map.setView([40.5, 111.5], 5);
    var form = document.getElementById(element.dataset.form);
    var marker = null;

    getJSON(element.dataset.counties).then(function (data) {
      var layer = L.geoJSON(data, { style: { className: "county", weight: 1 } });
      layer.eachLayer(function (county) {
        var p = county.feature.properties;
        // a node, not a string: Leaflet puts a string in as HTML
        county.bindTooltip(text(p.name + " (" + p.league + ")"), { sticky: true });
      });
      layer.addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
    }).catch(function (error) { element.dataset.error = String(error); });

    getJSON(element.dataset.incidents).then(function (data) {
      L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 7, className: "incident priority-" + feature.properties.priority });
        },
        onEachFeature: function (feature, layer) { layer.bindPopup(popup(feature.properties)); }
      }).addTo(map);
    }).catch(function (error) { element.dataset.error = String(error); });

    map.on("click", function (event) {
      if (!form) { return; }
      var lon = event.latlng.lng.toFixed(4), lat = event.latlng.lat.toFixed(4);
      form.elements.lon.value = lon;
      form.elements.lat.value = lat;
      if (marker) { marker.setLatLng(event.latlng); }
      else { marker = L.circleMarker(event.latlng, { radius: 6, className: "picked" }).addTo(map); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
