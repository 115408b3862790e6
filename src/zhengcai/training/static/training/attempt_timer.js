/* The time left for an assessment attempt: <span data-countdown="ISO deadline"> shows mm:ss; at zero the
   answers form (#attempt-form) is sent as it is, so what was answered is scored (the server allows a short
   grace after the deadline and refuses later answers). Without JavaScript the deadline is printed anyway. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  var label = document.querySelector("[data-countdown]");
  if (!form || !form.getAttribute("data-deadline")) {
    return;
  }
  var deadline = Date.parse(form.getAttribute("data-deadline"));
  var sent = false;
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    if (label) {
      label.textContent = "(" + pad(Math.floor(left / 60)) + ":" + pad(left % 60) + ")";
    }
    if (left === 0 && !sent) {
      sent = true;
      form.submit();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  form.addEventListener("submit", function () {
    sent = true;
  });
  tick();
})();
