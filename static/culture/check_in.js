// Progressive camera scanning for the check-in page: where the browser has BarcodeDetector and a camera,
// a "scan" button appears; a QR code read fills the ticket code and submits the form. Without it, staff
// type the code. No outside library is loaded.
(function () {
  "use strict";
  var start = document.getElementById("scanner-start");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var statusLine = document.getElementById("scanner-status");
  var form = document.getElementById("check-in-form");
  if (!start || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var input = form.querySelector("input[name=code]");
  start.hidden = false;
  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      box.hidden = false;
      start.hidden = true;
      video.srcObject = stream;
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.setTimeout(tick, 300); });
      };
      tick();
    }).catch(function (err) {
      statusLine.textContent = String(err && err.message || err);
      box.hidden = false;
    });
  });
})();
