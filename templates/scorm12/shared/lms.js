/* SCORM 1.2 run-time adapter: finds the LMS's API object and speaks the 1.2 data model for sco.js. */
(function () {
  "use strict";
  var api = null;
  var recorded = 0; /* interactions recorded in this session: their index where the LMS gives no _count */

  function search(win) {
    for (var depth = 0; win && depth < 500; depth += 1) {
      if (win.API) { return win.API; }
      if (!win.parent || win.parent === win) { return null; }
      win = win.parent;
    }
    return null;
  }

  function report(what) {
    var code = String(api.LMSGetLastError());
    if (code !== "0") {
      console.error("SCORM 1.2 error " + code + " (" + api.LMSGetErrorString(code) + ") after " + what);
    }
    return code;
  }

  function get(element) {
    var value = api.LMSGetValue(element);
    report("LMSGetValue " + element);
    return String(value);
  }

  function set(element, value) {
    api.LMSSetValue(element, String(value));
    report("LMSSetValue " + element);
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function clock(date) {
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  function timespan(ms) {
    var seconds = Math.floor(ms / 1000);
    return pad(Math.min(Math.floor(seconds / 3600), 9999), 4) + ":" + pad(Math.floor(seconds / 60) % 60, 2) +
      ":" + pad(seconds % 60, 2);
  }

  function response(kind, ids) {
    return kind === "truefalse" ? ids.map(function (id) { return id === "true" ? "t" : "f"; }).join(",")
      : ids.join(",");
  }

  window.MusaLMS = {
    version: "1.2",
    start: function () {
      api = search(window) || (window.opener ? search(window.opener) : null);
      if (!api) { return false; }
      if (String(api.LMSInitialize("")) !== "true") { report("LMSInitialize"); api = null; return false; }
      return true;
    },
    threshold: function (fallback) {
      var mastery = get("cmi.student_data.mastery_score");
      return mastery !== "" && !isNaN(Number(mastery)) ? Number(mastery) / 100 : fallback;
    },
    /* The attempt's suspend_data, unless the LMS starts a new attempt ("ab-initio"). An LMS that never says
       "resume" (Open edX's SCORM block gives "") keeps it all the same. */
    resumed: function () {
      return get("cmi.core.entry") !== "ab-initio" ? get("cmi.suspend_data") : "";
    },
    begin: function () {
      var status = get("cmi.core.lesson_status");
      if (status === "not attempted" || status === "") { set("cmi.core.lesson_status", "incomplete"); }
    },
    record: function (item) {
      var count = get("cmi.interactions._count");
      var at = "cmi.interactions." + (/^\d+$/.test(count) ? count : String(recorded)) + ".";
      recorded += 1;
      set(at + "id", item.id);
      set(at + "type", item.kind === "truefalse" ? "true-false" : "choice");
      set(at + "objectives.0.id", item.outcome);
      set(at + "time", clock(new Date()));
      set(at + "weighting", "1");
      set(at + "correct_responses.0.pattern", response(item.kind, item.correct));
      set(at + "student_response", response(item.kind, item.response));
      set(at + "result", item.right ? "correct" : "wrong");
    },
    score: function (raw, passed) {
      set("cmi.core.score.min", "0");
      set("cmi.core.score.max", "100");
      set("cmi.core.score.raw", raw);
      set("cmi.core.lesson_status", passed ? "passed" : "failed");
    },
    complete: function () {
      var status = get("cmi.core.lesson_status");
      if (status !== "passed" && status !== "failed") { set("cmi.core.lesson_status", "completed"); }
    },
    save: function (data) {
      set("cmi.suspend_data", data);
      api.LMSCommit("");
      report("LMSCommit");
    },
    finish: function (suspend, elapsed) {
      set("cmi.core.exit", suspend ? "suspend" : "");
      set("cmi.core.session_time", timespan(elapsed));
      api.LMSCommit("");
      report("LMSCommit");
      api.LMSFinish("");
    },
    limit: 4096
  };
}());
