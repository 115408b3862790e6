/* The organizer's check-in page: a hardware scanner types into the field and presses Enter; on a phone
   with the BarcodeDetector API the camera can read the QR code instead (no library, nothing downloaded). */
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var field = form && form.querySelector("input[name=code]");
  var button = document.getElementById("camera-start");
  var video = document.getElementById("camera");
  if (!form || !field) { return; }
  field.focus();
  if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      button.hidden = true;
      return video.play().then(function () {
        function scan() {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              field.value = codes[0].rawValue;
              form.submit();
              return;
            }
            requestAnimationFrame(scan);
          }).catch(function () { requestAnimationFrame(scan); });
        }
        scan();
      });
    }).catch(function (error) {
      var note = document.getElementById("camera-note");
      if (note) { note.hidden = false; note.textContent += " (" + error.name + ")"; }
    });
  });
})();
