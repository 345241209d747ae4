// The attempt page: autosave of every choice, retries with backoff, a countdown kept in step
// with the server, submission at zero, one-question-at-a-time mode (reopened on the question the participant
// was on). Without this file the page still works as a plain form (save and submit buttons post it).
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) { return; }
  var form = document.getElementById("attempt-form");
  var saveUrl = root.dataset.saveUrl;
  var statusUrl = root.dataset.statusUrl;
  var resultUrl = root.dataset.resultUrl;
  var csrf = root.dataset.csrf;
  var statusBox = document.getElementById("save-status");
  var timerBox = document.getElementById("timer");
  var submitButton = document.getElementById("submit-button");
  var saveButton = document.getElementById("save-button");
  var questions = Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));

  // ------------------------------------------------------------ saving
  // Every choice not yet acknowledged by the server is kept in localStorage (per attempt), so closing
  // or reloading the page while offline loses nothing: the next page of this attempt sends it again,
  // unless the server already holds an answer to that question saved after the choice was made
  // (from another device): per question the last choice wins.
  var storageKey = "attempt-unsent-" + root.dataset.attemptId;
  // The server's clock minus this device's: choices are stamped in server time, to compare with saved_at.
  var clockOffset = (parseInt(root.dataset.serverNow, 10) || Date.now()) - Date.now();
  var unsentBox = document.getElementById("unsaved-count");
  var unsent = {};         // question id (or "prediction") -> {payload, at, id}: chosen, not yet acknowledged
  var pending = {};        // the same entries, waiting in the send queue
  var inFlight = false;
  var failures = 0;
  var retryTimer = null;
  var finished = false;
  var sequence = 0;

  function setStatus(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "small " + (kind === "error" ? "text-danger" : kind === "warn" ? "text-warning-emphasis" : "text-success");
  }

  function pendingCount() { return Object.keys(pending).length; }
  function unsentCount() { return Object.keys(unsent).length; }

  function readStored() {
    try {
      var value = JSON.parse(localStorage.getItem(storageKey) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) { return {}; }
  }

  function writeStored(stored) {
    try {
      if (Object.keys(stored).length) { localStorage.setItem(storageKey, JSON.stringify(stored)); } else { localStorage.removeItem(storageKey); }
    } catch (e) { /* private mode or full: the page's memory still holds them */ }
  }

  // Storage is changed entry by entry (read, change one, write), so two tabs of one attempt keep each other's entries.
  function storeEntry(key, entry) {
    var stored = readStored();
    stored[key] = entry;
    writeStored(stored);
  }

  function dropEntry(key, entry) {
    var stored = readStored();
    if (stored[key] && stored[key].id === entry.id) { delete stored[key]; writeStored(stored); }
  }

  function showCount() {
    var count = unsentCount();
    unsentBox.textContent = count + " câu chưa lưu";
    unsentBox.classList.toggle("d-none", count === 0);
  }

  // Forget an entry once the server answered for it, unless a newer choice replaced it meanwhile.
  function settle(key, entry) {
    if (unsent[key] && unsent[key].id === entry.id) { delete unsent[key]; }
    dropEntry(key, entry);
    showCount();
  }

  function forgetAll() {
    unsent = {};
    pending = {};
    writeStored({});
    showCount();
  }

  function keysOf(fieldset) {
    return Array.prototype.slice.call(fieldset.querySelectorAll("input:checked")).map(function (i) { return i.value; });
  }

  function markMap(id, answered) {
    var link = document.querySelector('.map-item[data-question="' + id + '"]');
    if (!link) { return; }
    link.classList.toggle("answered", answered);
    var number = link.textContent.trim();
    link.setAttribute("aria-label", "Câu " + number + (answered ? ", đã trả lời" : ", chưa trả lời"));
  }

  function queue(key, payload) {
    sequence += 1;
    var entry = { payload: payload, at: Date.now() + clockOffset, id: Date.now() + "-" + sequence };
    unsent[key] = entry;
    pending[key] = entry;
    storeEntry(key, entry);
    showCount();
    setStatus("Đang lưu…", "warn");
    flush();
  }

  function flush() {
    if (inFlight || finished) { return; }
    var keys = Object.keys(pending);
    if (!keys.length) { return; }
    var key = keys[0];
    var entry = pending[key];
    var payload = entry.payload;
    delete pending[key];
    inFlight = true;
    fetch(saveUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (result) {
      inFlight = false;
      if (result.ok) {
        failures = 0;
        settle(key, entry);
        if (typeof result.data.remaining_seconds === "number") { syncTimer(result.data.remaining_seconds); }
        var box = payload.question_id ? document.querySelector("#q-" + payload.question_id + " .question-status") : null;
        if (box && !(key in pending)) { box.textContent = "Đã lưu"; }
        if (!pendingCount()) { setStatus("Đã lưu", "ok"); }
        flush();
      } else if (result.status >= 500 || result.status === 429) {
        retry(key, entry);
      } else if (result.status === 401) {
        // The session ended (logged out elsewhere, password changed, account locked): the answer stays in
        // this device's storage and is sent again when the participant logs in and reopens the attempt.
        setStatus((result.data.error || "Phiên đăng nhập đã hết hạn.") + " Câu trả lời được giữ trên máy này và sẽ được lưu khi bạn đăng nhập lại.", "error");
      } else {
        // Refused for good (time is up, attempt submitted, bad value): say why and stop.
        settle(key, entry);
        setStatus(result.data.error || "Không lưu được câu trả lời.", "error");
        if (result.data.status && result.data.status !== "in_progress") {
          finish(result.data.result_url || resultUrl);
        }
      }
    }).catch(function () {
      inFlight = false;
      retry(key, entry);
    });
  }

  function retry(key, entry) {
    if (!(key in pending) && unsent[key] === entry) { pending[key] = entry; }  // a newer choice for the same question wins
    failures += 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, failures - 1));
    setStatus("Mất kết nối, sẽ thử lưu lại sau " + Math.round(delay / 1000) + " giây. Câu trả lời được giữ trên máy này cho đến khi lưu xong.", "error");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, delay);
  }

  // Choices a closed or reloaded page could not send: shown and sent again, unless the server's
  // answer to the question was saved after the choice (then the server's answer stands).
  function restoreStored() {
    var stored = readStored();
    Object.keys(stored).forEach(function (key) {
      var entry = stored[key];
      if (!entry || typeof entry !== "object" || !entry.payload || typeof entry.at !== "number") { dropEntry(key, entry || {}); return; }
      if (key === "prediction") {
        var input = document.getElementById("prediction");
        if (!input) { dropEntry(key, entry); return; }
        input.value = entry.payload.prediction === null ? "" : String(entry.payload.prediction);
      } else {
        var fieldset = document.getElementById("q-" + key);
        if (!fieldset || !Array.isArray(entry.payload.keys)) { dropEntry(key, entry); return; }
        // The server holds an answer saved after this choice (another device): it stands.
        if (entry.at <= (parseInt(fieldset.dataset.savedAt, 10) || 0)) { dropEntry(key, entry); return; }
        fieldset.querySelectorAll("input").forEach(function (i) { i.checked = entry.payload.keys.indexOf(i.value) !== -1; });
        markMap(key, entry.payload.keys.length > 0);
        var box = fieldset.querySelector(".question-status");
        if (box) { box.textContent = "Đang lưu…"; }
      }
      unsent[key] = entry;
      pending[key] = entry;
    });
    showCount();
    if (pendingCount()) { setStatus("Đang lưu các câu chưa lưu…", "warn"); flush(); }
  }

  window.addEventListener("online", function () { clearTimeout(retryTimer); failures = 0; flush(); });

  questions.forEach(function (fieldset) {
    fieldset.addEventListener("change", function () {
      var id = parseInt(fieldset.dataset.question, 10);
      var keys = keysOf(fieldset);
      markMap(id, keys.length > 0);
      var box = fieldset.querySelector(".question-status");
      if (box) { box.textContent = "Đang lưu…"; }
      queue(String(id), { question_id: id, keys: keys });
    });
  });

  var prediction = document.getElementById("prediction");
  if (prediction) {
    prediction.addEventListener("change", function () {
      queue("prediction", { prediction: prediction.value === "" ? null : parseInt(prediction.value, 10) });
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (!finished && (pendingCount() || inFlight)) { event.preventDefault(); event.returnValue = ""; }
  });

  // ------------------------------------------------------------ countdown
  var endsAt = performance.now() + parseInt(root.dataset.remaining, 10) * 1000;

  function syncTimer(seconds) { endsAt = performance.now() + seconds * 1000; }

  function tick() {
    var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    timerBox.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    timerBox.classList.toggle("text-danger", left <= 60);
    if (left === 60) { setStatus("Còn 1 phút.", "warn"); }
    if (left <= 0) { timeUp(); return; }
    setTimeout(tick, 500);
  }

  function timeUp() {
    if (finished) { return; }
    setStatus("Hết giờ: đang nộp bài…", "warn");
    submitWhenSaved(true);
  }

  // The server's clock is the one that counts; ask it now and then (a sleeping phone loses time).
  setInterval(function () {
    if (finished) { return; }
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.status !== "in_progress") { finish(resultUrl); return; }
        syncTimer(data.remaining_seconds);
      }).catch(function () { /* offline: the local countdown goes on */ });
  }, 30000);

  // ------------------------------------------------------------ submit
  function unanswered() {
    return questions.filter(function (f) { return keysOf(f).length === 0; }).length;
  }

  function submitWhenSaved(force) {
    var waited = 0;
    (function wait() {
      if ((pendingCount() || inFlight) && waited < 8000) { waited += 250; flush(); setTimeout(wait, 250); return; }
      finished = true;
      forgetAll();  // after the submission nothing more can be saved into this attempt
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "1";
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "submit";
      var autosaved = document.createElement("input");
      autosaved.type = "hidden"; autosaved.name = "autosaved"; autosaved.value = "1";
      form.appendChild(confirmed); form.appendChild(action); form.appendChild(autosaved);
      form.submit();
    })();
  }

  function finish(url) {
    finished = true;
    forgetAll();  // the attempt is over: nothing more can be saved into it
    window.location.href = url;
  }

  submitButton.addEventListener("click", function (event) {
    event.preventDefault();
    var count = unanswered();
    var message = count ? "Bạn còn " + count + " câu chưa trả lời. Bạn có chắc muốn nộp bài?" : "Bạn đã trả lời tất cả các câu. Nộp bài?";
    if (window.confirm(message)) { setStatus("Đang nộp bài…", "warn"); submitWhenSaved(false); }
  });
  // With autosave the save button is not needed; keep it for people who like to press it.
  saveButton.addEventListener("click", function (event) {
    event.preventDefault();
    questions.forEach(function (f) {
      var id = parseInt(f.dataset.question, 10);
      queue(String(id), { question_id: id, keys: keysOf(f) });
    });
  });

  // ------------------------------------------------------------ one question at a time
  var toggle = document.getElementById("toggle-mode");
  var prev = document.getElementById("prev-question");
  var next = document.getElementById("next-question");
  // The question shown is saved on the server (the attempt's current_position), so a reload, or the attempt opened on
  // another device, reopens it. One request at a time; the latest position is sent once the previous one returns.
  var current = Math.max(0, Math.min(questions.length - 1, (parseInt(root.dataset.position, 10) || 1) - 1));
  var single = false;
  var savedPosition = current + 1;
  var positionInFlight = false;

  function savePosition() {
    var position = current + 1;
    if (positionInFlight || finished || position === savedPosition) { return; }
    positionInFlight = true;
    fetch(saveUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin",
      keepalive: true,  // a reload right after a tap still delivers it
      body: JSON.stringify({ position: position })
    }).then(function (response) {
      positionInFlight = false;
      if (response.ok) { savedPosition = position; savePosition(); }
    }).catch(function () { positionInFlight = false; });  // offline: the next move tries again
  }

  function show(index) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (f, i) { f.classList.toggle("d-none", single && i !== current); });
    document.querySelectorAll(".map-item").forEach(function (link, i) {
      link.classList.toggle("current", single && i === current);
      if (single && i === current) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    prev.disabled = current === 0;
    next.disabled = current === questions.length - 1;
    if (single) { questions[current].querySelector("input").focus({ preventScroll: true }); revealQuestion(); savePosition(); }
  }

  // The sticky bar covers the top of the page: a question whose heading is under it (a reload restores the old
  // scroll position, or the previous question was long) is scrolled down to just below the bar.
  var bar = document.querySelector(".attempt-bar");
  function revealQuestion() {
    var top = questions[current].getBoundingClientRect().top + window.scrollY - (bar ? bar.offsetHeight : 0) - 8;
    if (window.scrollY > top) { window.scrollTo(0, Math.max(0, top)); }
  }

  function setMode(oneByOne) {
    single = oneByOne;
    toggle.setAttribute("aria-pressed", String(single));
    toggle.textContent = single ? "Xem tất cả các câu" : "Xem từng câu";
    prev.classList.toggle("d-none", !single);
    next.classList.toggle("d-none", !single);
    try { localStorage.setItem("attempt-mode", single ? "one" : "all"); } catch (e) { /* private mode */ }
    // One question at a time, a reload opens the saved question from its heading, not at the old scroll position.
    if ("scrollRestoration" in history) { history.scrollRestoration = single ? "manual" : "auto"; }
    show(current);
  }

  toggle.classList.remove("d-none");
  toggle.addEventListener("click", function () { setMode(!single); });
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.querySelectorAll(".map-item").forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      if (!single) { return; }
      event.preventDefault();
      show(index);
    });
  });
  var stored = null;
  try { stored = localStorage.getItem("attempt-mode"); } catch (e) { stored = null; }
  setMode(stored ? stored === "one" : window.matchMedia("(max-width: 576px)").matches);

  restoreStored();
  tick();
})();
