// redline web UI: the few things HTML cannot do alone. Every page works without this file.
// Keys on the diff page: ←/→ previous/next version pair, j/k next/previous change.
// The article page's "compare" links start from the version this browser last viewed.
// "Copy as quote" puts a claim change's before/after text, times and permalink on the clipboard.
(function () {
  "use strict";
  var page = document.body ? document.body.getAttribute("data-page") : null;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  function seenKey(article) { return "redline:last-viewed:" + article; }

  function typing(ev) {
    var t = ev.target;
    if (!t || !t.tagName) return false;
    var tag = t.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }

  function diffPage() {
    var main = document.getElementById("diff");
    if (!main) return;
    var article = main.getAttribute("data-article");
    var to = main.getAttribute("data-to");
    if (store && article && to) {
      try { store.setItem(seenKey(article), to); } catch (e) { /* storage full or denied */ }
    }
    var changes = Array.prototype.slice.call(document.querySelectorAll("[data-change]"));
    var current = -1;
    function go(i) {
      if (!changes.length) return;
      if (current >= 0 && changes[current]) changes[current].classList.remove("current");
      current = Math.max(0, Math.min(changes.length - 1, i));
      var el = changes[current];
      el.classList.add("current");
      var details = el.closest("details");
      if (details) details.open = true;
      el.scrollIntoView({ block: "center" });
    }
    document.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev)) return;
      var link = null;
      if (ev.key === "ArrowLeft") link = document.querySelector("a[data-nav=prev]");
      else if (ev.key === "ArrowRight") link = document.querySelector("a[data-nav=next]");
      else if (ev.key === "j") { go(current + 1); ev.preventDefault(); return; }
      else if (ev.key === "k") { go(current - 1); ev.preventDefault(); return; }
      if (link) { ev.preventDefault(); window.location.href = link.href; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.copy-quote"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var card = document.getElementById(b.getAttribute("data-target"));
        if (!card) return;
        var link = card.querySelector("a.claim-permalink");
        var text = card.getAttribute("data-quote") + "\n" + (link ? link.href : window.location.href);
        copy(text, function (ok) {
          b.textContent = ok ? "Copied" : "Copy failed";
          setTimeout(function () { b.textContent = "Copy as quote"; }, 2000);
        });
      });
    });
  }

  function copy(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(text)); });
    } else {
      done(fallback(text));
    }
  }

  // Plain http on another host is not a secure context: no Clipboard API there.
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function articlePage() {
    var main = document.querySelector("main[data-article]");
    if (!main || !store) return;
    var article = main.getAttribute("data-article");
    var seen = parseInt(store.getItem(seenKey(article)) || "", 10);
    if (!(seen > 0)) return;
    Array.prototype.forEach.call(document.querySelectorAll("a.tl-diff[data-to]"), function (a) {
      var to = parseInt(a.getAttribute("data-to"), 10);
      if (seen < to - 1) {
        // Rewritten from the server's own link, so a path prefix (`[web] base_path`) stays.
        a.href = a.getAttribute("href").replace(/\/v\/\d+\.\.\d+$/, "/v/" + seen + ".." + to);
        a.textContent = "compare with v" + seen + " (last viewed)";
        a.setAttribute("data-from", String(seen));
      }
    });
  }

  // On a phone the open filters fill the first screen: fold them unless one is in use.
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia && window.matchMedia("(max-width: 40rem)").matches &&
      !/active/.test(filters.querySelector("summary").textContent)) {
    filters.removeAttribute("open");
  }

  if (page === "diff") diffPage();
  if (page === "article") articlePage();
  document.documentElement.setAttribute("data-js", "ready");
})();
