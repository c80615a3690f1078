/* A SCORM runtime for anonymous readers: packages find the API they look for
 * (SCORM 1.2 `API`, SCORM 2004 `API_1484_11`), every call is answered as the
 * specifications say, and nothing leaves the browser: a reader's progress is
 * kept only as long as the player page (see web/packages.py).
 *
 * The player page loads this file, so the API sits in the window above the
 * package's launch page, where the ADL discovery algorithm (walk
 * `window.parent`, then `window.opener`) looks. Mawrid also injects it into
 * every HTML page of a package: a page whose parent or opener chain already
 * holds the runtime leaves it alone (frames nested in a launch page share the
 * one runtime), and a page with none, such as a page of an opaque sandbox,
 * gets one of its own. The player shows the progress the package reports in
 * its `#scorm-status` element.
 */
(function () {
  "use strict";

  function runtimeOf(win) {
    try { return win.__mawridScorm || null; } catch (e) { return null; } // a cross-origin window: not ours
  }
  function foundAbove(win) {
    for (var hops = 0; win && hops < 10; hops++) {
      if (runtimeOf(win)) return true;
      var up = null;
      try { up = win.parent !== win ? win.parent : win.opener; } catch (e) { up = null; }
      win = up;
    }
    return false;
  }
  var self = window;
  var above = false;
  try { above = (self.parent !== self && foundAbove(self.parent)) || (!!self.opener && foundAbove(self.opener)); }
  catch (e) { above = false; }
  if (above) return;

  // What the package reported, per runtime; the player shows the one last written to.
  var status = { "1.2": {}, "2004": {} }, shown = null;
  function report(version, name, value) {
    var mine = status[version];
    if (/(lesson_status|completion_status)$/.test(name)) mine.completion = value;
    else if (name === "cmi.success_status") mine.success = value;
    else if (name === "cmi.core.score.raw" || name === "cmi.score.raw") mine.score = value;
    else if (name === "cmi.score.scaled" && !mine.raw) mine.scaled = String(Math.round(Number(value) * 100));
    else return;
    if (/score\.raw$/.test(name)) mine.raw = true;
    shown = mine;
    show();
  }
  function show() {
    var el = document.getElementById("scorm-status");
    if (!el || !shown) return;
    var labels = {};
    try { labels = JSON.parse(el.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
    function word(v) { return (labels.values || {})[v] || v; }
    var parts = [], score = shown.score || shown.scaled;
    if (shown.completion) parts.push((labels.progress || "Progress") + ": " + word(shown.completion));
    if (shown.success && shown.success !== "unknown") parts.push((labels.result || "Result") + ": " + word(shown.success));
    if (score) parts.push((labels.score || "Score") + ": " + score);
    el.textContent = parts.join(" · ");
    el.setAttribute("data-completion", shown.completion || "");
    el.setAttribute("data-score", score || "");
  }

  function makeRuntime(version) {
    var scorm12 = version === "1.2";
    var state = "new"; // new -> running -> done
    var lastError = "0";
    var data = scorm12
      ? {
          "cmi.core.student_id": "guest",
          "cmi.core.student_name": "Guest",
          "cmi.core.lesson_location": "",
          "cmi.core.credit": "no-credit",
          "cmi.core.lesson_status": "not attempted",
          "cmi.core.entry": "ab-initio",
          "cmi.core.score.raw": "",
          "cmi.core.score.min": "",
          "cmi.core.score.max": "",
          "cmi.core.total_time": "0000:00:00",
          "cmi.core.lesson_mode": "browse",
          "cmi.core.exit": "",
          "cmi.core.session_time": "",
          "cmi.suspend_data": "",
          "cmi.launch_data": "",
          "cmi.comments": "",
          "cmi.comments_from_lms": "",
          "cmi.objectives._count": "0",
          "cmi.interactions._count": "0",
          "cmi.student_data.mastery_score": "",
          "cmi.student_preference.language": document.documentElement.lang || "",
          "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
          "cmi.core.score._children": "raw,min,max",
          "cmi.objectives._children": "id,score,status",
          "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
          "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
          "cmi.student_preference._children": "audio,language,speed,text"
        }
      : {
          "cmi._version": "1.0",
          "cmi.learner_id": "guest",
          "cmi.learner_name": "Guest",
          "cmi.location": "",
          "cmi.credit": "no-credit",
          "cmi.completion_status": "unknown",
          "cmi.success_status": "unknown",
          "cmi.entry": "ab-initio",
          "cmi.mode": "browse",
          "cmi.exit": "",
          "cmi.session_time": "PT0S",
          "cmi.total_time": "PT0S",
          "cmi.score.raw": "",
          "cmi.score.min": "",
          "cmi.score.max": "",
          "cmi.score.scaled": "",
          "cmi.progress_measure": "",
          "cmi.suspend_data": "",
          "cmi.launch_data": "",
          "cmi.completion_threshold": "",
          "cmi.scaled_passing_score": "",
          "cmi.objectives._count": "0",
          "cmi.interactions._count": "0",
          "cmi.comments_from_learner._count": "0",
          "cmi.comments_from_lms._count": "0",
          "cmi.learner_preference.language": document.documentElement.lang || "",
          "adl.nav.request": "_none_",
          "cmi.score._children": "scaled,raw,min,max",
          "cmi.objectives._children": "id,score,success_status,completion_status,progress_measure,description",
          "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
          "cmi.learner_preference._children": "audio_level,language,delivery_speed,audio_captioning"
        };
    var readOnly = scorm12
      ? /^cmi\.(core\.(student_id|student_name|credit|entry|total_time|lesson_mode)|launch_data|comments_from_lms|student_data\..*|objectives\._count|interactions\._count)$/
      : /^(cmi\._version|cmi\.(learner_id|learner_name|credit|entry|mode|total_time|launch_data|completion_threshold|scaled_passing_score|objectives\._count|interactions\._count|comments_from_learner\._count|comments_from_lms\._count))$/;
    var writeOnly = scorm12 ? /^cmi\.core\.(exit|session_time)$/ : /^cmi\.(exit|session_time)$/;
    // Error codes: SCORM 1.2 (RTE 3.3.3) and SCORM 2004 (RTE 3.1.7).
    var E = scorm12
      ? { notInit: "301", afterEnd: "101", unknown: "401", readOnly: "403", writeOnly: "404", badArg: "201", noChildren: "202" }
      : { notInit: "122", afterEnd: "133", unknown: "401", readOnly: "404", writeOnly: "405", badArg: "201",
          initAgain: "103", initAfterEnd: "104", termBefore: "112", termAgain: "113", setBefore: "132",
          commitBefore: "142", commitAfter: "143", getAfter: "123", setAfter: "133", undefinedValue: "403" };
    var messages = {
      "0": "No error", "101": "General exception", "103": "Already initialized", "104": "Content instance terminated",
      "112": "Termination before initialization", "113": "Termination after termination",
      "122": "Retrieve data before initialization", "123": "Retrieve data after termination",
      "132": "Store data before initialization", "133": "Store data after termination",
      "142": "Commit before initialization", "143": "Commit after termination",
      "201": "Invalid argument error", "202": "Element cannot have children", "301": "Not initialized",
      "401": "Not implemented error", "403": "Element is read only", "404": "Element is write only",
      "405": "Element is write only"
    };
    if (!scorm12) {
      messages["401"] = "Undefined data model element";
      messages["403"] = "Data model element value not initialized";
      messages["404"] = "Data model element is read only";
    }

    function isReadOnly(name) { return /\._(children|count)$/.test(name) || readOnly.test(name); }
    function fail(code, value) { lastError = code; return value; }
    function ok(value) { lastError = "0"; return value; }
    function known(name) {
      return Object.prototype.hasOwnProperty.call(data, name) || /^cmi\.(objectives|interactions|comments_from_learner)\.\d+\./.test(name);
    }

    function begin(arg) {
      if (arg !== "" && arg !== undefined) return fail(E.badArg, "false");
      if (state === "running") return fail(scorm12 ? E.afterEnd : E.initAgain, "false");
      if (state === "done") return fail(scorm12 ? E.afterEnd : E.initAfterEnd, "false");
      state = "running";
      return ok("true");
    }
    function end(arg) {
      if (arg !== "" && arg !== undefined) return fail(E.badArg, "false");
      if (state === "new") return fail(scorm12 ? E.notInit : E.termBefore, "false");
      if (state === "done") return fail(scorm12 ? E.notInit : E.termAgain, "false");
      state = "done";
      return ok("true");
    }
    function get(name) {
      if (state === "new") return fail(E.notInit, "");
      if (state === "done") return fail(scorm12 ? E.notInit : E.getAfter, "");
      if (!name) return fail(E.badArg, "");
      if (/\._children$/.test(name) || /\._count$/.test(name)) {
        if (known(name)) return ok(data[name]);
        return fail(E.noChildren || E.unknown, "");
      }
      if (!known(name)) return fail(E.unknown, "");
      if (writeOnly.test(name)) return fail(E.writeOnly, "");
      if (!(name in data)) return fail(scorm12 ? E.badArg : E.undefinedValue, "");
      return ok(String(data[name]));
    }
    function set(name, value) {
      if (state === "new") return fail(scorm12 ? E.notInit : E.setBefore, "false");
      if (state === "done") return fail(scorm12 ? E.notInit : E.setAfter, "false");
      if (!name) return fail(E.badArg, "false");
      if (!known(name)) return fail(E.unknown, "false");
      if (isReadOnly(name)) return fail(E.readOnly, "false");
      data[name] = String(value);
      report(version, name, String(value));
      var m = /^cmi\.(objectives|interactions|comments_from_learner)\.(\d+)\./.exec(name);
      if (m) {
        var count = "cmi." + m[1] + "._count";
        data[count] = String(Math.max(Number(data[count] || 0), Number(m[2]) + 1));
      }
      return ok("true");
    }
    function commit(arg) {
      if (arg !== "" && arg !== undefined) return fail(E.badArg, "false");
      if (state === "new") return fail(scorm12 ? E.notInit : E.commitBefore, "false");
      if (state === "done") return fail(scorm12 ? E.notInit : E.commitAfter, "false");
      return ok("true"); // nothing is kept for anonymous readers
    }
    var api = {
      version: scorm12 ? "1.2" : "2004 4th Edition",
      GetLastError: function () { return lastError; },
      GetErrorString: function (code) { return messages[String(code)] || ""; },
      GetDiagnostic: function (code) { return messages[String(code || lastError)] || ""; }
    };
    if (scorm12) {
      api.LMSInitialize = begin; api.LMSFinish = end; api.LMSGetValue = get; api.LMSSetValue = set;
      api.LMSCommit = commit; api.LMSGetLastError = api.GetLastError;
      api.LMSGetErrorString = api.GetErrorString; api.LMSGetDiagnostic = api.GetDiagnostic;
      delete api.GetLastError; delete api.GetErrorString; delete api.GetDiagnostic;
    } else {
      api.Initialize = begin; api.Terminate = end; api.GetValue = get; api.SetValue = set; api.Commit = commit;
    }
    return api;
  }

  window.__mawridScorm = status;
  if (!window.API) window.API = makeRuntime("1.2");
  if (!window.API_1484_11) window.API_1484_11 = makeRuntime("2004");
})();
