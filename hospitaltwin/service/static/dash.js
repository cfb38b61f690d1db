/* hospitaltwin dashboard: helpers every page uses (fetching the API, numbers, elements).
 * Served by the package itself; nothing is loaded from elsewhere. */
var HT = (function () {
  "use strict";

  function csrf() {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf("ht_csrf=") === 0; });
    return found.length ? decodeURIComponent(found[0].slice(8)) : "";
  }

  function answer(response) {
    if (response.status === 401) { window.location.assign("/login"); throw new Error("logged out"); }
    return response.json().then(function (body) {
      if (!response.ok) { var e = new Error(body.error || response.statusText); e.status = response.status; throw e; }
      return body;
    });
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(answer);
  }

  function postJSON(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                       headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()}}).then(answer);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function pct(p) {
    if (p === null || p === undefined || isNaN(p)) { return "–"; }
    var v = 100 * p;
    return (v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1)) + "%";
  }

  function level(p) {
    if (p === null || p === undefined) { return "none"; }
    return p >= 0.5 ? "high" : p >= 0.2 ? "raised" : "low";
  }

  function when(iso) {
    if (!iso) { return "–"; }
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString([], {weekday: "short", day: "numeric", month: "short",
                                                   hour: "2-digit", minute: "2-digit"});
  }

  return {csrf: csrf, getJSON: getJSON, postJSON: postJSON, el: el, pct: pct, level: level, when: when};
}());
