/* Reading page: text size and contrast, remembered in this browser. Plain buttons, so the keyboard works. */
(function () {
  "use strict";
  var page = document.querySelector("[data-reading]");
  var controls = document.querySelector("[data-reading-controls]");
  if (!page || !controls) return;
  var SIZES = [90, 100, 115, 130, 150, 175, 200]; /* percent of the site's text size */
  var status = document.querySelector("[data-size-status]");
  var contrast = controls.querySelector("[data-contrast]");
  var size = 1;
  var high = false;

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem("mawrid-reading") || "{}");
      if (SIZES[saved.size] !== undefined) size = saved.size;
      high = saved.high === true;
    } catch (e) { /* storage disabled: defaults */ }
  }

  function apply(announce) {
    page.style.setProperty("--reading-size", SIZES[size] + "%");
    page.classList.toggle("high-contrast", high);
    contrast.setAttribute("aria-pressed", high ? "true" : "false");
    controls.querySelector("[data-size='-1']").disabled = size === 0;
    controls.querySelector("[data-size='1']").disabled = size === SIZES.length - 1;
    if (announce) status.textContent = status.getAttribute("data-label") + ": " + SIZES[size] + "%";
    try { localStorage.setItem("mawrid-reading", JSON.stringify({ size: size, high: high })); } catch (e) { /* ignore */ }
  }

  controls.querySelectorAll("[data-size]").forEach(function (button) {
    button.addEventListener("click", function () {
      var step = Number(button.getAttribute("data-size"));
      size = step === 0 ? 1 : Math.min(SIZES.length - 1, Math.max(0, size + step));
      apply(true);
    });
  });
  contrast.addEventListener("click", function () { high = !high; apply(false); });

  load();
  controls.hidden = false;
  apply(false);
})();
