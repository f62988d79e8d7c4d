// Share button: the Web Share API where the phone has it; the link field works everywhere.
(function () {
  "use strict";
  var button = document.querySelector("[data-share-url]");
  if (!button || !navigator.share) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl }).catch(function () {});
  });
})();
