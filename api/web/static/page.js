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
      area.dataset.overLimit = "yes";
      counter.classList.add("error");
    } else {
      // only the counter's own mark goes: a refusal the farm sent stays until the field changes
      if (area.dataset.overLimit) area.removeAttribute("aria-invalid");
      delete area.dataset.overLimit;
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

  // --- a brand kit's colour: choosing one sets it (its "not set" box is unticked) -------------
  document.addEventListener("input", function (evt) {
    var picker = evt.target;
    if (!picker.matches || !picker.matches("input[type=color][data-unset-box]")) return;
    var box = document.getElementById(picker.dataset.unsetBox);
    if (box) box.checked = false;
  });

  // --- polled fragments: no re-render when nothing changed; status changes are announced ----
  // A polled region is swapped whole; the keyboard's place in it (the link, button or summary that had focus)
  // and the sections a person opened are found again in the new copy, so a busy farm's updates do not throw
  // a keyboard or screen-reader user back to the top of the page (WCAG 2.4.3) or close what they read.
  var kept = null;
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  function placeKey(el) {
    if (el.id) return "#" + el.id;
    var form = el.closest("form");
    return [el.tagName, el.getAttribute("href") || "", form ? form.getAttribute("action") || "" : "",
      el.getAttribute("aria-label") || el.textContent.replace(/\d+/g, "#").trim()].join("|");
  }
  function polled(el) { return el && (el.getAttribute("hx-trigger") || "").indexOf("every") !== -1; }
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    var text = evt.detail.xhr.responseText;
    if (evt.detail.xhr.status === 304 || (target && target.dataset.lastBody === text)) {
      evt.detail.shouldSwap = false;
      return;
    }
    if (!target || !target.id || !polled(target)) return;
    var active = document.activeElement;
    kept = {
      id: target.id,
      focus: active && active !== document.body && target.contains(active) ? placeKey(active) : null,
      open: Array.prototype.map.call(target.querySelectorAll("details[open] > summary"), placeKey),
    };
  });
  function restorePlace() {
    if (!kept) return;
    var place = kept, region = document.getElementById(place.id);
    kept = null;
    if (!region) return;
    region.querySelectorAll("details > summary").forEach(function (summary) {
      if (place.open.indexOf(placeKey(summary)) !== -1) summary.parentElement.open = true;
    });
    if (!place.focus || region.contains(document.activeElement)) return;
    var found = Array.prototype.find.call(region.querySelectorAll(FOCUSABLE), function (el) {
      return placeKey(el) === place.focus;
    });
    if (!found) {  // gone (a finished job has no Cancel button): the region itself, not the top of the page
      region.setAttribute("tabindex", "-1");
      found = region;
    }
    found.focus({ preventScroll: true });
  }
  // WCAG 2.2.2: a person may stop the updates, and start them again
  var paused = false;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (paused && polled(evt.detail.elt)) evt.preventDefault();
  });
  function addPauseButton() {
    var first = document.querySelector("main [hx-trigger*='every']");
    if (!first || document.getElementById("live-updates")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.id = "live-updates";
    button.className = "secondary";
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Pause live updates";
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");  // a toggle: its name stays, its state says
    });
    var holder = document.createElement("p");
    holder.appendChild(button);
    first.parentNode.insertBefore(holder, first);
  }
  document.addEventListener("DOMContentLoaded", addPauseButton);
  document.addEventListener("htmx:afterSettle", function (evt) {
    restorePlace();
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
    showFirstRefusal();
  });

  // --- a refused form comes back at its first problem, not at the top of the page ------------
  function showFirstRefusal() {
    var note = document.querySelector("main form .error[data-code], main form .error[role=alert]");
    if (!note) return;
    var field = note.id ? document.querySelector('[aria-describedby~="' + note.id + '"]') : null;
    var label = field && field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    (label || field || note).scrollIntoView({ block: "start" });
    if (note.getBoundingClientRect().bottom > window.innerHeight) note.scrollIntoView({ block: "end" });
    if (field) field.focus({ preventScroll: true });
  }

  // --- a field's refusal goes once the field holds a value it may: the farm checks it again on submit
  function clearRefusal(field) {
    var kept = [];
    (field.getAttribute("aria-describedby") || "").split(/\s+/).forEach(function (id) {
      var note = id && document.getElementById(id);
      if (note && note.classList.contains("error") && note.dataset.code) note.remove();
      else if (id) kept.push(id);
    });
    if (kept.length) field.setAttribute("aria-describedby", kept.join(" "));
    else field.removeAttribute("aria-describedby");
    field.removeAttribute("aria-invalid");
  }
  function allowed(field) {
    if (field.tagName === "SELECT" || field.type === "checkbox" || field.type === "radio") return true;
    return field.value.trim() !== "" && field.checkValidity();
  }
  // the portrait's refusal ("Choose a portrait or a preset.") is tied to the upload and the preset list while it
  // stands, so a submit that comes back with it lands on the upload, marked; once a portrait is found or a preset
  // chosen, neither is in question
  function portraitSettled() {
    if (document.querySelector("#portrait-result .error")) return;
    ["portrait-file", "preset"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field && /\bavatar-error\b/.test(field.getAttribute("aria-describedby") || "")) clearRefusal(field);
    });
  }
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "portrait-result") portraitSettled();
  });
  document.addEventListener("change", function (evt) {
    var field = evt.target;
    if (field.matches && field.matches('[aria-invalid="true"]:not([type=file])') && allowed(field)) {
      clearRefusal(field);
    }
    // a preset chosen: the portrait refused (a file that is not a photo, or none chosen) is no longer in question
    if (field.id === "preset" && field.value) {
      var refused = document.querySelectorAll("#portrait-result .error");
      if (refused.length) {
        refused.forEach(function (note) { note.remove(); });
        var upload = document.getElementById("portrait-file");
        if (upload) upload.value = "";
      }
      portraitSettled();
    }
  });
})();

// --- the composer: the presenter on a small stage, dragged or moved with the keys -------------
(function () {
  "use strict";
  var STEP = 0.05;
  function el(id) { return document.getElementById(id); }
  function value(input) {
    var v = parseFloat(input.value !== "" ? input.value : input.placeholder);
    return isNaN(v) ? 0 : v;
  }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function round(v) { return Math.round(v * 100) / 100; }
  function aspect() {
    var select = el("aspect");
    return select && select.value ? select.value : "16:9";
  }
  function ratio() {  // width over height of the chosen canvas
    var parts = aspect().split(":");
    return parseFloat(parts[0]) / parseFloat(parts[1]);
  }
  // the presenter's box on the stage, as the farm places it: side = scale x height, centre at offset
  function draw() {
    var handle = el("stage-presenter"), stage = el("stage");
    if (!handle || !stage) return;
    stage.dataset.aspect = aspect();
    var scale = value(el("character.scale")), x = value(el("character.x")), y = value(el("character.y"));
    var w = scale / ratio(), h = scale;  // shares of the stage's width and height
    handle.style.width = (w * 100) + "%";
    handle.style.height = (h * 100) + "%";
    handle.style.left = (((1 + x) / 2 - w / 2) * 100) + "%";
    handle.style.top = (((1 + y) / 2 - h / 2) * 100) + "%";
  }
  function set(input, v) {
    input.value = round(v);
    draw();
  }
  function changed(input) { input.dispatchEvent(new Event("change", { bubbles: true })); }

  document.addEventListener("DOMContentLoaded", function () {
    var handle = el("stage-presenter"), stage = el("stage"), select = el("aspect");
    if (!handle || !stage) return;
    var places = JSON.parse(select.dataset.places);
    // "Also deliver": the shape chosen above is delivered anyway, so its box is ticked and disabled; a box the
    // person had ticked gets its own state back when another shape is chosen
    function chosenDelivered() {
      document.querySelectorAll('input[name^="also."]').forEach(function (box) {
        var chosen = select.value !== "" && box.name === "also." + select.value;
        if (chosen && !box.disabled) {
          box.dataset.ticked = box.checked ? "yes" : "";
          box.checked = true;
          box.disabled = true;
        } else if (!chosen && box.disabled) {
          box.checked = box.dataset.ticked === "yes";
          box.disabled = false;
        }
      });
    }
    select.addEventListener("change", function () {
      var place = places[aspect()];
      if (place) {
        el("character.x").placeholder = place[0];
        el("character.y").placeholder = place[1];
        el("character.scale").placeholder = place[2];
      }
      chosenDelivered();
      draw();
    });
    ["character.scale", "character.x", "character.y"].forEach(function (id) { el(id).addEventListener("input", draw); });
    var dragging = false;
    function moveTo(evt) {
      var box = stage.getBoundingClientRect();
      set(el("character.x"), clamp(((evt.clientX - box.left) / box.width) * 2 - 1, -1, 1));
      set(el("character.y"), clamp(((evt.clientY - box.top) / box.height) * 2 - 1, -1, 1));
    }
    handle.addEventListener("pointerdown", function (evt) {
      dragging = true;
      handle.setPointerCapture(evt.pointerId);
      evt.preventDefault();
    });
    handle.addEventListener("pointermove", function (evt) { if (dragging) moveTo(evt); });
    handle.addEventListener("pointerup", function () {
      if (!dragging) return;
      dragging = false;
      changed(el("character.x"));
    });
    handle.addEventListener("keydown", function (evt) {
      var x = el("character.x"), y = el("character.y"), s = el("character.scale"), target = null;
      if (evt.key === "ArrowLeft") { set(x, clamp(value(x) - STEP, -1, 1)); target = x; }
      else if (evt.key === "ArrowRight") { set(x, clamp(value(x) + STEP, -1, 1)); target = x; }
      else if (evt.key === "ArrowUp") { set(y, clamp(value(y) - STEP, -1, 1)); target = y; }
      else if (evt.key === "ArrowDown") { set(y, clamp(value(y) + STEP, -1, 1)); target = y; }
      else if (evt.key === "+" || evt.key === "=") { set(s, clamp(value(s) + STEP, 0.1, 2)); target = s; }
      else if (evt.key === "-" || evt.key === "_") { set(s, clamp(value(s) - STEP, 0.1, 2)); target = s; }
      if (target) {
        evt.preventDefault();
        changed(target);
        // said, since the box's move is only seen: where it now stands, as the fields below read
        el("stage-place").textContent = "Size " + value(s) + ", across " + value(x) + ", down " + value(y);
      }
    });
    draw();
  });
  // an upload that chose a background, music or a logo (or a portrait) changes the preview too
  var BUSY_RETRY_MS = 2000; // the API's Retry-After for preview_busy
  document.addEventListener("htmx:afterSwap", function (evt) {
    var id = evt.detail.target && evt.detail.target.id;
    if (id === "background-result" || id === "music-result" || id === "logo-result" || id === "portrait-result") {
      document.body.dispatchEvent(new Event("composer-changed"));
    }
    // a busy farm drew other previews: ask again for this one, rather than leave the old frame or a refusal
    if (id === "preview" && evt.detail.target.querySelector('[data-code="preview_busy"]')) {
      setTimeout(function () { document.body.dispatchEvent(new Event("composer-changed")); }, BUSY_RETRY_MS);
    }
  });
  // the preview says when a new frame is on its way (a screen reader waits; so can a test)
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "preview") evt.detail.elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.elt && evt.detail.elt.id === "preview") evt.detail.elt.setAttribute("aria-busy", "false");
  });
})();
