// Claim documents from a phone (benefits/claims/edit.html). The form alone posts every picked file at once and
// the page comes back with a message per file; with this script each file goes up on its own with its progress,
// a photo too large is made smaller here first when the browser can decode it, the checklist of required
// documents ticks as files arrive, and the page stays where it is. Texts come from the form's data-text-*.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-form]");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Promise) { return; }
  var input = form.querySelector("input[type=file]");
  var kindSelect = form.querySelector("select[name=kind]");
  var submit = form.querySelector("button[type=submit]");
  var progressList = document.querySelector("[data-upload-progress]");
  var documentList = document.querySelector("[data-document-list]");
  var emptyNote = document.querySelector("[data-documents-empty]");
  var template = document.querySelector("template[data-document-template]");
  var checklist = document.querySelector("[data-checklist]");
  var text = form.dataset;
  var maxBytes = Number(text.maxBytes) || 10 * 1024 * 1024;
  // Photos above this size are made smaller before they leave the phone: a 12-megapixel photo of an invoice stays
  // legible at 3000 pixels on its long side and takes a fraction of the mobile data.
  var SHRINK_OVER_BYTES = 3 * 1024 * 1024;
  var LONG_SIDE = 3000;
  if (!input || !kindSelect || !progressList) { return; }

  function decode(file) {
    // Photos keep the orientation the camera recorded (EXIF) where the browser supports asking for it.
    return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
      return window.createImageBitmap(file);
    });
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_OVER_BYTES || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return decode(file).then(function (bitmap) {
      var scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG becomes a white page, not a black one
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) { bitmap.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; }); // cannot decode here (e.g. HEIC outside Safari): the portal converts it
  }

  function addRow(file) {
    var row = document.createElement("li");
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = text.textWaiting;
    row.append(name, bar, status);
    progressList.append(row);
    return { row: row, bar: bar, status: status };
  }

  function settle(view, state, message) {
    view.row.className = "upload-" + state;
    view.status.textContent = message;
    if (state !== "uploading") { view.bar.hidden = true; }
  }

  function send(file, view) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("kind", kindSelect.value);
      data.append("file", file, file.name);
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { view.bar.value = Math.round(event.loaded / event.total * 100); }
      });
      request.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
        resolve(answer);
      });
      request.addEventListener("error", function () { resolve(null); });
      request.send(data);
    });
  }

  function showDocument(added) {
    if (!template || !documentList) { return; }
    var item = template.content.firstElementChild.cloneNode(true);
    var link = item.querySelector("a");
    link.href = added.url;
    link.textContent = added.label;
    item.querySelector("span").textContent = added.size;
    item.querySelector("form").action = added.remove_url;
    documentList.append(item);
    if (emptyNote) { emptyNote.hidden = true; }
  }

  function tick(items) {
    if (!checklist || !items) { return; }
    items.forEach(function (item) {
      var line = checklist.querySelector('[data-kind="' + item.kind + '"]');
      if (!line) { return; }
      line.classList.toggle("present", item.present);
      line.querySelector(".checklist-state").textContent = item.present ? checklist.dataset.textPresent
        : checklist.dataset.textMissing;
    });
  }

  function uploadOne(file, view) {
    settle(view, "uploading", text.textResizing);
    return shrink(file).then(function (ready) {
      if (ready.size > maxBytes) {
        settle(view, "refused", text.textTooLarge);
        return null;
      }
      var resized = ready !== file;
      settle(view, "uploading", text.textUploading);
      return send(ready, view).then(function (answer) {
        if (!answer) {
          settle(view, "refused", text.textFailed);
          return null;
        }
        (answer.added || []).forEach(showDocument);
        tick(answer.checklist);
        if (answer.error) {
          settle(view, "refused", answer.error);
        } else if (answer.refused && answer.refused.length) {
          settle(view, "refused", answer.refused[0].message);
        } else {
          settle(view, "done", resized ? text.textDone + " · " + text.textResized : text.textDone);
        }
        return answer;
      });
    });
  }

  function nextMissingKind() {
    if (!checklist) { return; }
    var missing = checklist.querySelector("li:not(.present)");
    if (missing) { kindSelect.value = missing.dataset.kind; }
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(input.files || []);
    event.preventDefault();
    progressList.hidden = false;
    if (!files.length) {
      progressList.replaceChildren();
      var note = document.createElement("li");
      note.className = "upload-refused";
      note.textContent = text.textEmpty;
      progressList.append(note);
      return;
    }
    submit.disabled = true;
    // The picker is free again at once: files chosen while this batch uploads are the next batch, not lost when
    // this one ends.
    input.value = "";
    progressList.replaceChildren();
    var views = files.map(addRow);
    // One file after another: on a weak mobile connection parallel uploads only all arrive later.
    files.reduce(function (chain, file, index) {
      return chain.then(function () { return uploadOne(file, views[index]); });
    }, Promise.resolve()).then(function () {
      submit.disabled = false;
      nextMissingKind();
    });
  });
})();
