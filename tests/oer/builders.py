"""Course packages for the OER tests: a SCORM package whose page calls the runtime and writes down the answers."""

from __future__ import annotations

import io
import zipfile
from functools import cache

from tests.ingest.builders import SCORM2004, Lesson, course, png

# Calls a real package makes, SCORM 1.2 then SCORM 2004, each answer recorded with GetLastError after it.
# The API is found the way packages find it: on this window, then up the chain of parents.
PROBE_JS = """
(function () {
  function find(win, name) {
    var hops = 0;
    while (win[name] == null && win.parent != null && win.parent !== win && hops < 7) { hops++; win = win.parent; }
    return win[name];
  }
  var a = find(window, "API"), b = find(window, "API_1484_11"), out = {};
  function v12(fn, args) { var value = a[fn].apply(a, args); return [value, a.LMSGetLastError()]; }
  function v04(fn, args) { var value = b[fn].apply(b, args); return [value, b.GetLastError()]; }
  out.scorm12 = {
    getBefore: v12("LMSGetValue", ["cmi.core.lesson_status"]),
    initialize: v12("LMSInitialize", [""]),
    studentName: v12("LMSGetValue", ["cmi.core.student_name"]),
    status: v12("LMSGetValue", ["cmi.core.lesson_status"]),
    setStatus: v12("LMSSetValue", ["cmi.core.lesson_status", "completed"]),
    statusAfter: v12("LMSGetValue", ["cmi.core.lesson_status"]),
    setScore: v12("LMSSetValue", ["cmi.core.score.raw", "85"]),
    score: v12("LMSGetValue", ["cmi.core.score.raw"]),
    setReadOnly: v12("LMSSetValue", ["cmi.core.student_id", "x"]),
    getWriteOnly: v12("LMSGetValue", ["cmi.core.exit"]),
    getUnknown: v12("LMSGetValue", ["cmi.no_such_element"]),
    errorString: a.LMSGetErrorString("401"),
    commit: v12("LMSCommit", [""]),
    finish: v12("LMSFinish", [""]),
    getAfter: v12("LMSGetValue", ["cmi.core.lesson_status"])
  };
  out.scorm2004 = {
    getBefore: v04("GetValue", ["cmi.completion_status"]),
    initialize: v04("Initialize", [""]),
    initializeAgain: v04("Initialize", [""]),
    learnerId: v04("GetValue", ["cmi.learner_id"]),
    completion: v04("GetValue", ["cmi.completion_status"]),
    setCompletion: v04("SetValue", ["cmi.completion_status", "completed"]),
    completionAfter: v04("GetValue", ["cmi.completion_status"]),
    setScaled: v04("SetValue", ["cmi.score.scaled", "0.8"]),
    scaled: v04("GetValue", ["cmi.score.scaled"]),
    setInteraction: v04("SetValue", ["cmi.interactions.0.id", "q1"]),
    interactionCount: v04("GetValue", ["cmi.interactions._count"]),
    setReadOnly: v04("SetValue", ["cmi.learner_id", "x"]),
    getUnknown: v04("GetValue", ["cmi.bogus"]),
    errorString: b.GetErrorString("404"),
    commit: v04("Commit", [""]),
    terminate: v04("Terminate", [""]),
    getAfter: v04("GetValue", ["cmi.completion_status"]),
    commitAfter: v04("Commit", [""])
  };
  try { out.cookies = "readable: " + document.cookie; } catch (e) { out.cookies = "blocked"; }
  try { out.parentPage = "readable: " + window.parent.document.title; } catch (e) { out.parentPage = "blocked"; }
  function done(siteFetch) {
    out.siteFetch = siteFetch;
    var pre = document.getElementById("results");
    pre.textContent = JSON.stringify(out, null, 1);
    pre.setAttribute("data-done", "yes");
  }
  fetch("/workspace", { credentials: "include" })
    .then(function (r) { return r.text().then(function (t) { done("readable: " + r.status + " " + t.length); }); })
    .catch(function () { done("blocked"); });
})();
"""

PROBE_PAGE = (
    '<h1>Runtime probe</h1><pre id="results" style="white-space: pre-wrap; columns: 3; font-size: 12px">waiting</pre>'
    '<script src="probe.js"></script>'
)
SECOND_PAGE = '<h1>Second page</h1><p>Par is the number of strokes.</p><img src="picture.png" alt="A course picture"/>'


@cache  # the zip's entries carry the time they were written: one package per title, so its bytes compare
def probe_package(title: str = "Runtime probe course", lang: str = "en") -> bytes:
    """A SCORM 2004 package: module "Unit 1" with the probe page and a second page with a picture."""
    data = course(
        SCORM2004,
        title=title,
        lang=lang,
        lessons=[Lesson("Unit 1", None, [Lesson("Runtime probe", PROBE_PAGE), Lesson("Second page", SECOND_PAGE)])],
    )
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:  # pages sit at pages/998.html and pages/997.html
        archive.writestr("pages/probe.js", PROBE_JS)
        archive.writestr("pages/picture.png", png((60, 40)))
    return out.getvalue()
