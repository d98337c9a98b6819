// talkfarm page behaviour: a static file, so the Content-Security-Policy needs no inline script.
(function () {
  "use strict";

  // --- the script's live character counter -------------------------------------------------
  function updateCounter(area) {
    var counter = document.querySelector('[data-counter-for="' + area.id + '"]');
    if (!counter) return;
    var limit = parseInt(area.dataset.maxChars, 10);
    var count = area.value.trim().length;
    var text = count + " of " + limit + " characters";
    if (count > limit) {
      text += ": " + (count - limit) + " over the limit";
      area.setAttribute("aria-invalid", "true");
      counter.classList.add("error");
    } else {
      if (!area.dataset.serverInvalid) area.removeAttribute("aria-invalid");
      counter.classList.remove("error");
    }
    counter.textContent = text;
  }
  var counterTimer = null;
  document.addEventListener("input", function (evt) {
    var area = evt.target;
    if (!area.matches || !area.matches("textarea[data-max-chars]")) return;
    clearTimeout(counterTimer); // settle before updating, so a screen reader is not told every keystroke
    counterTimer = setTimeout(function () { updateCounter(area); }, 250);
  });

  // --- uploads too large are stopped before they are sent ------------------------------------
  function sizeError(input) {
    var limit = parseInt(input.dataset.maxBytes, 10);
    var file = input.files && input.files[0];
    var slot = document.getElementById(input.id + "-size-error");
    if (!slot) {
      slot = document.createElement("small");
      slot.id = input.id + "-size-error";
      slot.className = "error";
      slot.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", slot);
    }
    if (file && file.size > limit) {
      var mb = function (n) { return (n / 1048576).toFixed(1) + " MB"; };
      slot.textContent = "The file is " + mb(file.size) + "; the limit is " + mb(limit) + ". It was not sent. ";
      var code = document.createElement("code");
      code.textContent = "asset_too_large";
      slot.appendChild(code);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", slot.id);
      return true;
    }
    slot.textContent = "";
    input.removeAttribute("aria-invalid");
    return false;
  }
  // capture phase: runs before htmx's own change listener on the input, and can stop it
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]") && sizeError(input)) {
      evt.stopPropagation();
      evt.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (evt) {
    var inputs = evt.target.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      if (sizeError(inputs[i])) { evt.preventDefault(); inputs[i].focus(); return; }
    }
  }, true);

  // --- polled fragments: no re-render when nothing changed; status changes are announced ----
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    var text = evt.detail.xhr.responseText;
    if (evt.detail.xhr.status === 304 || (target && target.dataset.lastBody === text)) {
      evt.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var section = document.getElementById("job-status");
    var region = document.getElementById("job-announce");
    if (section && region && section.dataset.status !== region.dataset.status) {
      region.dataset.status = section.dataset.status;
      region.textContent = section.dataset.announce;
    }
    var fresh = evt.detail.elt;
    if (fresh && fresh.dataset) fresh.dataset.lastBody = evt.detail.xhr ? evt.detail.xhr.responseText : "";
    drawFaceCrop();
  });

  // --- the face the farm found, cut from the chosen file -------------------------------------
  function drawFaceCrop() {
    var canvas = document.getElementById("face-crop");
    var input = document.getElementById("portrait-file");
    if (!canvas || !input || !input.files || !input.files[0] || !window.createImageBitmap) return;
    var box = canvas.dataset.faceBox.split(",").map(Number);
    var w = box[2] - box[0], h = box[3] - box[1];
    var side = Math.max(w, h) * 1.5;
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    createImageBitmap(input.files[0]).then(function (bitmap) {
      var ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bitmap, cx - side / 2, cy - side / 2, side, side, 0, 0, canvas.width, canvas.height);
      var scale = canvas.width / side;
      ctx.strokeStyle = "#2e7d32";
      ctx.lineWidth = 2;
      ctx.strokeRect((box[0] - (cx - side / 2)) * scale, (box[1] - (cy - side / 2)) * scale, w * scale, h * scale);
      canvas.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-max-chars]").forEach(updateCounter);
  });
})();
