/* SCORM 2004 run-time adapter: finds the LMS's API_1484_11 object and speaks the 2004 data model for sco.js. */
(function () {
  "use strict";
  var api = null;
  var recorded = 0; /* interactions recorded in this session: their index where the LMS gives no _count */
  var NOT_INITIALIZED = "403";

  function search(win) {
    for (var depth = 0; win && depth < 500; depth += 1) {
      if (win.API_1484_11) { return win.API_1484_11; }
      if (!win.parent || win.parent === win) { return null; }
      win = win.parent;
    }
    return null;
  }

  function report(what, tolerated) {
    var code = String(api.GetLastError());
    if (code !== "0" && code !== tolerated) {
      console.error("SCORM 2004 error " + code + " (" + api.GetErrorString(code) + ") after " + what);
    }
    return code;
  }

  /* An element the LMS may leave unset (403) reads as "". */
  function get(element, optional) {
    var value = api.GetValue(element);
    return report("GetValue " + element, optional ? NOT_INITIALIZED : undefined) === "0" ? String(value) : "";
  }

  function set(element, value) {
    api.SetValue(element, String(value));
    report("SetValue " + element);
  }

  function duration(ms) {
    var seconds = Math.floor(ms / 1000);
    return "PT" + Math.floor(seconds / 3600) + "H" + (Math.floor(seconds / 60) % 60) + "M" + (seconds % 60) + "S";
  }

  function response(ids) {
    return ids.join("[,]");
  }

  window.MusaLMS = {
    version: "2004",
    start: function () {
      api = search(window) || (window.opener ? search(window.opener) : null);
      if (!api) { return false; }
      if (String(api.Initialize("")) !== "true") { report("Initialize"); api = null; return false; }
      return true;
    },
    threshold: function (fallback) {
      var passing = get("cmi.scaled_passing_score", true);
      return passing !== "" && !isNaN(Number(passing)) ? Number(passing) : fallback;
    },
    /* The attempt's suspend_data, unless the LMS starts a new attempt ("ab-initio"). An LMS that never says
       "resume" (Open edX's SCORM block gives "") keeps it all the same. */
    resumed: function () {
      return get("cmi.entry") !== "ab-initio" ? get("cmi.suspend_data", true) : "";
    },
    begin: function () {
      var status = get("cmi.completion_status");
      if (status === "unknown" || status === "not attempted" || status === "") {
        set("cmi.completion_status", "incomplete");
      }
    },
    record: function (item) {
      var count = get("cmi.interactions._count");
      var at = "cmi.interactions." + (/^\d+$/.test(count) ? count : String(recorded)) + ".";
      recorded += 1;
      set(at + "id", item.id);
      set(at + "type", item.kind === "truefalse" ? "true-false" : "choice");
      set(at + "objectives.0.id", item.outcome);
      set(at + "timestamp", new Date().toISOString().slice(0, 19));
      set(at + "weighting", "1");
      set(at + "correct_responses.0.pattern", response(item.correct));
      set(at + "learner_response", response(item.response));
      set(at + "result", item.right ? "correct" : "incorrect");
    },
    score: function (raw, passed) {
      set("cmi.score.min", "0");
      set("cmi.score.max", "100");
      set("cmi.score.raw", raw);
      set("cmi.score.scaled", Math.round(raw * 100) / 10000);
      set("cmi.success_status", passed ? "passed" : "failed");
      set("cmi.completion_status", "completed");
    },
    complete: function () {
      set("cmi.completion_status", "completed");
    },
    save: function (data) {
      set("cmi.suspend_data", data);
      api.Commit("");
      report("Commit");
    },
    finish: function (suspend, elapsed) {
      set("cmi.exit", suspend ? "suspend" : "normal");
      set("cmi.session_time", duration(elapsed));
      api.Commit("");
      report("Commit");
      api.Terminate("");
    },
    limit: 64000
  };
}());
