/* The /query page with YASGUI (installed by `kg serve-assets`). Without this script, or
   without YASGUI, the plain HTML form on the page does the same job. Nothing is fetched from
   another host: no endpoint catalogue, no remote autocompletion, no persisted tabs. */
function kgQueryPage() {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || typeof window.Yasgui === "undefined") { return; }
  var Yasgui = window.Yasgui;
  var stored = JSON.parse(document.getElementById("stored-queries").textContent || "[]");
  var endpoint = new URL(el.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
  var params = new URLSearchParams(window.location.search);
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  }
  var yasgui = new Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasr: { pluginOrder: ["table", "response"], defaultPlugin: "table", persistenceId: null },
    yasqe: { persistenceId: null }
  });
  document.getElementById("plain-query").classList.add("yasgui-ready");

  function load(name, run) {
    var q = stored.filter(function (s) { return s.name === name; })[0];
    if (!q) { return false; }
    var tab = yasgui.getTab();
    tab.setName(q.title);
    tab.setQuery(q.query);
    if (run) { tab.query(); }
    return true;
  }
  var links = document.querySelectorAll("a.stored-edit");
  Array.prototype.forEach.call(links, function (a) {
    a.addEventListener("click", function (ev) {
      if (load(a.getAttribute("data-name"), true)) { ev.preventDefault(); }
    });
  });
  var name = params.get("name");
  if (name) {
    load(name, params.get("run") === "1");
  } else if (params.get("query")) {
    yasgui.getTab().setQuery(params.get("query"));
  } else if (stored.length) {
    load(stored[0].name, false);
  }
  window.kgYasgui = yasgui;
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", kgQueryPage);
} else {
  kgQueryPage();
}
