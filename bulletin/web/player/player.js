// bulletin player: seek by sentence, follow the sentence (and word) being spoken.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  if (!audio) return;
  function spans(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector)).map(function (el) {
      return { el: el, start: parseFloat(el.dataset.start), end: parseFloat(el.dataset.end) };
    });
  }
  var sentences = spans(".transcript .s");
  var current = null, currentWord = null, follow = true;

  function find(list, t) {  // the last item started by t, if t is still near it
    var lo = 0, hi = list.length - 1, at = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].start <= t + 0.001) { at = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return at >= 0 && t < list[at].end + 1.5 ? list[at] : null;
  }
  function mark(old, now) {
    if (old === now) return false;
    if (old) { old.el.classList.remove("now"); old.el.removeAttribute("aria-current"); }
    if (now) { now.el.classList.add("now"); now.el.setAttribute("aria-current", "true"); }
    return true;
  }
  function update() {
    var t = audio.currentTime, s = find(sentences, t);
    if (mark(current, s)) {
      current = s;
      if (s && follow && !audio.paused) {
        var box = s.el.getBoundingClientRect(), bar = document.querySelector(".bar");
        var top = bar ? bar.getBoundingClientRect().bottom : 0;
        if (box.top < top || box.bottom > window.innerHeight) s.el.scrollIntoView({ block: "center" });
      }
    }
    var words = s ? (s.words || (s.words = spans.call(null, "#" + s.el.id + " .w"))) : [];
    var w = words.length ? find(words, t) : null;
    if (w && t >= w.end) w = null;
    if (mark(currentWord, w)) currentWord = w;
  }
  function tick() { update(); if (!audio.paused) window.requestAnimationFrame(tick); }
  audio.addEventListener("timeupdate", update);
  audio.addEventListener("seeked", update);
  audio.addEventListener("play", function () { follow = true; window.requestAnimationFrame(tick); });

  function seek(event) {
    var link = event.target.closest("[data-start]");
    if (!link || event.button || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    audio.currentTime = parseFloat(link.dataset.start);
    var played = audio.play();
    if (played && played.catch) played.catch(function () {});
    update();
  }
  document.addEventListener("click", seek);

  var hint = document.querySelector(".hint");
  if (hint) hint.hidden = false;
  var rate = document.getElementById("rate");
  if (rate) {
    rate.closest(".rate").hidden = false;
    rate.addEventListener("change", function () {
      audio.playbackRate = audio.defaultPlaybackRate = parseFloat(rate.value);
    });
  }
  window.addEventListener("wheel", function () { follow = false; }, { passive: true });
  window.addEventListener("touchmove", function () { follow = false; }, { passive: true });
})();
