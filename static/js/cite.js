// "复制引用": copy the citation in a button's data-citation to the clipboard.
// Loaded from a file (no inline script, so a strict Content-Security-Policy holds).
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-citation]");
    if (!button) { return; }
    event.preventDefault();
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    copy(button.getAttribute("data-citation")).then(function () {
      button.textContent = "已复制";
      button.setAttribute("data-copied", "true");
    }, function () {
      button.textContent = "复制失败，请手动选择";
    });
    window.setTimeout(function () { button.textContent = label; }, 2000);
  });
})();
