/* Recorded courses: report what was watched every 15 seconds (and on pause, end and leaving the page).
   Video: the stretches actually played (seeking does not count). Slides: the page shown. */
(function () {
  "use strict";
  var box = document.getElementById("player");
  if (!box) { return; }
  var url = box.dataset.progressUrl, csrf = box.dataset.csrf, material = Number(box.dataset.material);
  var status = document.getElementById("progress-status");
  var INTERVAL = 15000;

  function show(data) {
    var share = document.querySelector("[data-testid=course-share]");
    if (share && typeof data.percent === "number") { share.textContent = data.percent + "%"; }
    var mine = document.querySelector("[data-testid=material-share]");
    if (mine && typeof data.material_percent === "number") { mine.textContent = data.material_percent + "%"; }
    if (data.completed) {
      var done = document.querySelector("[data-testid=completed]");
      if (done) { done.style.display = ""; }
    }
    if (status) { status.textContent = data.message_zh ? data.message_zh + " / " + data.message_en : ""; }
    var seenLabel = document.getElementById("pages-seen");
    if (seenLabel && data.seen_pages) { seenLabel.textContent = data.seen_pages.join(", ") || "—"; }
  }

  function send(body, keepalive) {
    body.material = material;
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(show).catch(function () { /* retried next time */ });
  }

  if (box.dataset.kind === "video") {
    var video = document.getElementById("video");
    var ranges = [], last = null;
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      if (last !== null && now > last && now - last < 2) {
        var tail = ranges[ranges.length - 1];
        if (tail && Math.abs(tail[1] - last) < 0.01) { tail[1] = now; } else { ranges.push([last, now]); }
      }
      last = now;
    });
    video.addEventListener("seeking", function () { last = null; });
    function flush(keepalive) {
      if (!ranges.length) { return; }
      var body = { ranges: ranges, position: Math.floor(video.currentTime) };
      ranges = [];
      send(body, keepalive);
    }
    video.addEventListener("pause", function () { flush(false); });
    video.addEventListener("ended", function () { flush(false); });
    setInterval(function () { flush(false); }, INTERVAL);
    document.addEventListener("visibilitychange", function () { if (document.hidden) { flush(true); } });
    return;
  }

  var pages = Number(box.dataset.pages), page = 1;
  var frame = document.getElementById("slides"), label = document.getElementById("page-no");
  function report() { send({ page: page }); }
  function go(next) {
    if (next < 1 || next > pages) { return; }
    page = next;
    label.textContent = String(page);
    frame.src = frame.src.split(/[?#]/)[0] + "?p=" + page + "#page=" + page;  /* a new load: the viewer opens the page */
    setTimeout(report, 3500);  /* a page counts once it has been on screen a moment */
  }
  box.querySelectorAll("[data-step]").forEach(function (b) {
    b.addEventListener("click", function () { go(page + Number(b.dataset.step)); });
  });
  report();
  setInterval(function () { if (!document.hidden) { report(); } }, INTERVAL);
})();
