/* One SCO's pages and quiz: page navigation, grading, interactions, and resuming from suspend_data.
   The version's adapter (lms.js, loaded first) is window.MusaLMS; without an LMS the pages still work. */
(function () {
  "use strict";
  var lms = window.MusaLMS;
  var pages = [].slice.call(document.querySelectorAll("section.page"));
  var form = document.getElementById("quiz");
  var questions = form ? [].slice.call(form.querySelectorAll("fieldset.question")) : [];
  var pager = document.querySelector("nav.pager");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var position = document.getElementById("position");
  var started = Date.now();
  var state = { page: 0, done: false };
  var connected = false;
  var finished = false;
  var threshold = Number(document.documentElement.getAttribute("data-pass-threshold"));

  /* A sentence in the page's language (its data-label-NAME attribute), with each {key} of `values` filled in. */
  function say(name, values) {
    var text = document.documentElement.getAttribute("data-label-" + name) || "";
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function inputs(question) { return [].slice.call(question.querySelectorAll("input")); }

  function chosen(question) {
    return inputs(question).filter(function (input) { return input.checked; })
      .map(function (input) { return input.value; });
  }

  /* suspend_data: "p2|q1:a|q3:a.c|q5:true|done" — the page, each answered question, whether it was submitted. */
  function encode() {
    var parts = ["p" + state.page];
    questions.forEach(function (question) {
      var picked = chosen(question);
      if (picked.length) { parts.push(question.getAttribute("data-id") + ":" + picked.join(".")); }
    });
    if (state.done) { parts.push("done"); }
    return parts.join("|");
  }

  function decode(text) {
    var answers = {};
    text.split("|").forEach(function (part) {
      if (/^p\d+$/.test(part)) { state.page = Math.min(Number(part.slice(1)), pages.length - 1); }
      else if (part === "done") { state.done = true; }
      else if (part.indexOf(":") > 0) { answers[part.split(":")[0]] = part.split(":")[1].split("."); }
    });
    questions.forEach(function (question) {
      var picked = answers[question.getAttribute("data-id")] || [];
      inputs(question).forEach(function (input) { input.checked = picked.indexOf(input.value) >= 0; });
    });
  }

  function save() {
    if (connected && !finished) {
      var data = encode();
      if (data.length <= lms.limit) { lms.save(data); }
    }
  }

  function show(index, moveFocus) {
    state.page = index;
    pages.forEach(function (page, i) { page.hidden = i !== index; });
    previous.disabled = index === 0;
    next.disabled = index === pages.length - 1;
    position.textContent = say("position", { page: index + 1, pages: pages.length });
    [].slice.call(document.querySelectorAll(".contents a")).forEach(function (link, i) {
      if (i === index) { link.setAttribute("aria-current", "page"); } else { link.removeAttribute("aria-current"); }
    });
    if (moveFocus) { pages[index].querySelector("h2").focus(); }
    if (!form && index === pages.length - 1 && !state.done) {
      state.done = true;
      if (connected) { lms.complete(); }
    }
    save();
  }

  function grade(report) {
    var right = 0;
    questions.forEach(function (question) {
      var picked = chosen(question);
      var correct = inputs(question).filter(function (input) { return input.getAttribute("data-correct") === "true"; })
        .map(function (input) { return input.value; });
      var ok = picked.join(",") === correct.join(",");
      right += ok ? 1 : 0;
      question.className += ok ? " correct" : " wrong";
      [].slice.call(question.querySelectorAll(".feedback")).forEach(function (feedback) {
        feedback.hidden = picked.indexOf(feedback.getAttribute("data-for")) < 0;
      });
      question.querySelector(".explanation").hidden = false;
      inputs(question).forEach(function (input) { input.disabled = true; });
      if (report) {
        lms.record({ id: question.getAttribute("data-id"), kind: question.getAttribute("data-kind"),
                     outcome: question.getAttribute("data-outcome"), response: picked, correct: correct, right: ok });
      }
    });
    var raw = Math.round(10000 * right / questions.length) / 100;
    var passed = raw >= Math.round(threshold * 10000) / 100;
    if (report) { lms.score(raw, passed); }
    form.querySelector("button[type=submit]").disabled = true;
    document.getElementById("result").textContent = say("result", { right: right, total: questions.length, score: raw,
      verdict: say(passed ? "passed" : "not-passed", {}) });
  }

  function submit(event) {
    event.preventDefault();
    var open = questions.filter(function (question) { return chosen(question).length === 0; });
    if (open.length) {
      document.getElementById("result").textContent = say("open", { open: open.length });
      inputs(open[0])[0].focus();
      return;
    }
    state.done = true;
    grade(connected);
    save();
  }

  function leave() {
    if (!connected || finished) { return; }
    save();
    finished = true;
    lms.finish(!state.done, Date.now() - started);
  }

  if (lms && lms.start()) {
    connected = true;
    threshold = lms.threshold(threshold);
    var resumed = lms.resumed();
    if (resumed) { decode(resumed); }
    if (!state.done) { lms.begin(); }
  }
  if (form) {
    form.addEventListener("submit", submit);
    form.addEventListener("change", save);
    if (state.done) { grade(false); }
  }
  previous.addEventListener("click", function () { show(state.page - 1, true); });
  next.addEventListener("click", function () { show(state.page + 1, true); });
  [].slice.call(document.querySelectorAll(".contents a")).forEach(function (link, i) {
    link.addEventListener("click", function (event) { event.preventDefault(); show(i, true); });
  });
  pager.hidden = false;
  window.addEventListener("pagehide", leave);
  show(state.page, false);
}());
