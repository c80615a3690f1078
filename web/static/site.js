/* Mawrid — small enhancements; every page works without this file. No inline scripts (CSP). */
(function () {
  "use strict";

  /* "Copy citation" buttons: shown only when the clipboard can be used. */
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source) return;
      navigator.clipboard.writeText(source.innerText.trim()).then(function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-copied") || "✓";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });

  /* Forms with file inputs: send them with a progress bar, then show the page the server answers with. */
  function swapMain(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.querySelector("main");
    if (!main) { window.location.assign(url); return; }
    document.querySelector("main").replaceWith(main);
    document.title = doc.title;
    if (url && url !== window.location.href) history.pushState({}, "", url);
    main.focus();
    enhance(main);
  }

  function progressFor(form) {
    var box = form.querySelector("#upload-progress");
    if (box) return box;
    box = document.createElement("div");
    box.className = "field";
    box.innerHTML = '<progress max="100" value="0"></progress><p class="small muted" role="status" aria-live="polite"></p>';
    form.appendChild(box);
    return box;
  }

  function enhanceUpload(form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      var box = progressFor(form);
      var bar = box.querySelector("progress");
      var text = box.querySelector("[role=status]");
      var submit = form.querySelector("[type=submit]");
      box.hidden = false;
      if (submit) submit.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = percent + "%";
      });
      xhr.addEventListener("load", function () { swapMain(xhr.responseText, xhr.responseURL); });
      xhr.addEventListener("error", function () {
        if (submit) submit.disabled = false;
        text.textContent = form.getAttribute("data-failed") || "✕";
      });
      xhr.send(new FormData(form));
    });
  }

  /* Ingest status badges: poll the API while a job is queued or running. */
  function watchJobs(table) {
    var labels = JSON.parse(table.getAttribute("data-labels") || "{}");
    function pending() {
      return Array.prototype.filter.call(table.querySelectorAll("[data-job]"), function (el) {
        var badge = el.querySelector(".status-badge");
        return badge && (badge.classList.contains("queued") || badge.classList.contains("running"));
      });
    }
    function poll() {
      var waiting = pending();
      if (!waiting.length) return;
      var ids = waiting.map(function (el) { return el.getAttribute("data-job"); }).join(",");
      fetch("/api/jobs?ids=" + ids + "&limit=500", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (jobs) {
          jobs.forEach(function (job) {
            var el = table.querySelector('[data-job="' + job.id + '"]');
            if (!el) return;
            var badge = el.querySelector(".status-badge");
            badge.className = "status-badge " + job.status;
            badge.textContent = labels[job.status] || job.status;
            if (job.error && !el.parentNode.querySelector(".error-text")) {
              var err = document.createElement("div");
              err.className = "small error-text";
              err.lang = "en";
              err.dir = "ltr";
              err.textContent = job.error;
              el.parentNode.appendChild(err);
            }
          });
          setTimeout(poll, 3000);
        })
        .catch(function () { setTimeout(poll, 10000); });
    }
    setTimeout(poll, 2000);
  }

  /* Narrow screens stack table rows into cards: each cell is labelled with its column's heading. */
  function labelCells(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (heads[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[i]);
      });
    });
  }

  /* The header's navigation folds behind a menu button on phones; without this script it stays open. */
  var menuButton = document.querySelector("[data-menu-button]");
  if (menuButton) {
    var menu = document.getElementById(menuButton.getAttribute("aria-controls"));
    document.documentElement.classList.add("has-menu");
    menuButton.hidden = false;
    menuButton.addEventListener("click", function () {
      var open = menuButton.getAttribute("aria-expanded") !== "true";
      menuButton.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        menuButton.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        menuButton.focus();
      }
    });
  }

  /* Facet lists fold on narrow screens so the results come first; the summary reopens them. */
  var facetBox = document.querySelector("details.facets-box");
  if (facetBox && window.matchMedia("(max-width: 900px)").matches) facetBox.open = false;

  function enhance(root) {
    root.querySelectorAll("form[data-progress]").forEach(enhanceUpload);
    root.querySelectorAll("table[data-jobs]").forEach(watchJobs);
    root.querySelectorAll("table.data-table, table.files-table").forEach(labelCells);
  }
  enhance(document);
})();
