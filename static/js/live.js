/* Pages that follow the public data without reloading (marketplace/live.py).
 *
 * The page is complete as served; this only keeps it current. Every few seconds it asks
 * /live/version (304 while nothing changed); when the version moves it fetches the page's
 * own address and swaps in the parts marked data-live (matched by id), except a part that
 * holds the focus (someone typing). Parts that show the clock (countdowns) are refreshed
 * every minute too when the script says data-live-clock.
 * Paused while the tab is hidden.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = script.getAttribute("data-live-url");
  var shown = script.getAttribute("data-live-version");
  var clock = script.hasAttribute("data-live-clock");
  var poll = 2000;
  var clockEvery = 60000;
  var etag = null;
  var refreshedAt = Date.now();
  var failures = 0;

  function editing(region) {
    var active = document.activeElement;
    return active && active !== document.body && region.contains(active);
  }

  function refresh() {
    return fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var regions = document.querySelectorAll("[data-live][id]");
        Array.prototype.forEach.call(regions, function (region) {
          var next = fresh.getElementById(region.id);
          if (!next || !next.hasAttribute("data-live") || editing(region)) {
            return;
          }
          if (next.outerHTML !== region.outerHTML) {
            region.replaceWith(document.importNode(next, true));
          }
        });
        refreshedAt = Date.now();
      });
  }

  function check() {
    var headers = etag ? {"If-None-Match": etag} : {};
    return fetch(url, {headers: headers, cache: "no-store", credentials: "omit"})
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (body) {
        if (body && shown === "") {
          // the page did not say its version: the first answer is the one it shows
          shown = String(body.version);
          return null;
        }
        if (body && String(body.version) !== shown) {
          shown = String(body.version);
          return refresh();
        }
        if (clock && Date.now() - refreshedAt > clockEvery) {
          return refresh();
        }
        return null;
      });
  }

  function schedule() {
    // after errors, wait longer (at most a minute) so a down server is not hammered
    var wait = Math.min(poll * Math.pow(2, failures), 60000);
    window.setTimeout(tick, wait);
  }

  function tick() {
    if (document.hidden) {
      schedule();
      return;
    }
    check().then(function () {
      failures = 0;
    }, function () {
      failures += 1;
    }).then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      check().catch(function () { failures += 1; });
    }
  });
  schedule();
}());
