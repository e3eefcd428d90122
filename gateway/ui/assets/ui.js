// Monitoring UI (ADR 0030): progressive enhancement only. Every page works without this file.
// Elements with data-live="<url>" are refreshed every data-every seconds by short polling;
// data-select names the part of the answer to take (default: the whole answer). Paused while
// the tab is hidden; a failed request keeps the last content and says so.
'use strict';
(function () {
  function refresh(el) {
    var url = el.getAttribute('data-live');
    var select = el.getAttribute('data-select');
    if (document.hidden) return;
    el.setAttribute('aria-busy', 'true');
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) {
        if (res.redirected || !res.ok) throw new Error(String(res.status));
        return res.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var part = select ? doc.querySelector(select) : doc.body;
        var target = select ? el.querySelector(select) : el;
        if (part && target) target.innerHTML = part.innerHTML;
        el.removeAttribute('data-stale');
      })
      .catch(function () {
        el.setAttribute('data-stale', 'true');
      })
      .finally(function () {
        el.setAttribute('aria-busy', 'false');
      });
  }
  document.querySelectorAll('[data-live]').forEach(function (el) {
    var every = Math.max(5, Number(el.getAttribute('data-every')) || 10);
    setInterval(function () { refresh(el); }, every * 1000);
  });
})();
