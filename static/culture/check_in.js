// Camera scanning for the check-in page. A "scan" button appears where the browser has a camera; a QR code
// read fills the ticket code and submits the form. Decoding uses the browser's BarcodeDetector where there is
// one, and otherwise jsQR (static/vendor/jsqr/, served by the portal, no outside request) on canvas frames, so
// iOS Safari and WeChat scan too. Without a camera, staff type the code (the short code on the ticket).
(function () {
  "use strict";
  var start = document.getElementById("scanner-start");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var statusLine = document.getElementById("scanner-status");
  var form = document.getElementById("check-in-form");
  var hasDetector = "BarcodeDetector" in window;
  if (!start || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  if (!hasDetector && typeof window.jsQR !== "function") { return; }
  var input = form.querySelector("input[name=code]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  start.hidden = false;

  function detectWithJsQR() {
    // Scaled down to at most 640 px wide: enough for a phone-screen QR code, and fast on older phones.
    var width = video.videoWidth, height = video.videoHeight;
    if (!width || !height) { return Promise.resolve(null); }
    var scale = Math.min(1, 640 / width);
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(found && found.data ? found.data : null);
  }

  start.addEventListener("click", function () {
    var detector = hasDetector ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    var detect = detector
      ? function () { return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; }); }
      : detectWithJsQR;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      box.hidden = false;
      start.hidden = true;
      video.setAttribute("playsinline", "");
      video.srcObject = stream;
      video.play();
      var tick = function () {
        detect().then(function (value) {
          if (value) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = value;
            form.submit();
          } else {
            window.setTimeout(tick, detector ? 0 : 150);
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
