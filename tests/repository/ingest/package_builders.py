"""Course packages for the OER tests: a SCORM package whose page calls the runtime and writes down the answers,
and packages built the way real ones are: a launch page that looks for the API in its parents and frames the
content, whose pages call the API and the launch page in turn."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from functools import cache

from tests.repository.ingest.builders import IMSCC, SCORM12, SCORM2004, Lesson, course, png

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
  // What a hostile package would try: the site's cookies, the lesson page around it, the staff pages.
  try { out.cookies = "readable: " + document.cookie; } catch (e) { out.cookies = "blocked"; }
  try { out.sitePage = "readable: " + window.top.document.title; } catch (e) { out.sitePage = "blocked"; }
  var origins = location.ancestorOrigins || [], site = origins.length ? origins[origins.length - 1] : "";
  function attempt(url) {
    return fetch(url, { credentials: "include" })
      .then(function (r) { return r.text().then(function (t) { return "readable: " + r.status + " " + t.length; }); })
      .catch(function () { return "blocked"; });
  }
  attempt(site + "/workspace").then(function (siteFetch) {
    out.siteFetch = siteFetch;
    return attempt("/workspace");
  }).then(function (ownFetch) {
    out.ownOriginFetch = ownFetch;
    var pre = document.getElementById("results");
    pre.textContent = JSON.stringify(out, null, 1);
    pre.setAttribute("data-done", "yes");
  });
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


# A launch page as Rustici's and ADL's examples write it: the API is looked for from the parent up (the ADL
# algorithm), the content is framed, and the framed page reports back through the API and `parent`.
LAUNCH_JS = """
(function () {
  var version = document.documentElement.getAttribute("data-scorm");
  var name = version === "1.2" ? "API" : "API_1484_11";
  function scan(win) {
    var tries = 0;
    while (win[name] == null && win.parent != null && win.parent != win && tries < 500) { tries++; win = win.parent; }
    return win[name];
  }
  var api = null, out = {};
  try {
    if (window.parent && window.parent != window) api = scan(window.parent);
    if (api == null && window.opener) api = scan(window.opener);
  } catch (e) { out.error = String(e); }
  out.launchFound = api != null;
  function call(fn12, fn04, args) { return api[version === "1.2" ? fn12 : fn04].apply(api, args); }
  if (api) {
    out.initialize = call("LMSInitialize", "Initialize", [""]);
    out.started = version === "1.2"
      ? call("LMSSetValue", "", ["cmi.core.lesson_status", "incomplete"])
      : call("", "SetValue", ["cmi.completion_status", "incomplete"]);
  }
  window.contentDone = function (nestedApi, nestedSet) {  // called by the framed page
    out.nestedFound = nestedApi != null;
    out.sameRuntime = nestedApi === api;
    out.nestedSet = nestedSet;
    out.finished = version === "1.2"
      ? call("LMSSetValue", "", ["cmi.core.lesson_status", "completed"])
      : call("", "SetValue", ["cmi.completion_status", "completed"]);
    out.commit = call("LMSCommit", "Commit", [""]);
    var pre = document.getElementById("results");
    pre.textContent = JSON.stringify(out);
    pre.setAttribute("data-done", "yes");
  };
  document.getElementById("content").src = "content.html";
})();
"""
CONTENT_JS = """
(function () {
  var version = parent.document.documentElement.getAttribute("data-scorm");
  var name = version === "1.2" ? "API" : "API_1484_11";
  var win = window, hops = 0;
  while (win[name] == null && win.parent != null && win.parent != win && hops < 10) { hops++; win = win.parent; }
  var api = win[name];
  var set = api == null ? "no api" : version === "1.2"
    ? api.LMSSetValue("cmi.core.score.raw", "90")
    : api.SetValue("cmi.score.raw", "90");
  document.getElementById("answer").textContent = "Score sent: " + set;
  parent.contentDone(api, set);
})();
"""


@cache
def nested_package(version: str, title: str = "Nested frames course", lang: str = "en") -> bytes:
    """A SCORM 1.2 or 2004 package of one lesson: its launch page frames content.html (see LAUNCH_JS)."""
    launch = (
        '<h1>Launch page</h1><iframe id="content" title="Lesson content" style="width: 100%; height: 8rem"></iframe>'
        '<pre id="results">waiting</pre><script src="launch.js"></script>'
    )
    data = course(SCORM12 if version == "1.2" else SCORM2004, title=title, lang=lang,
                  lessons=[Lesson("Launch", launch)])  # fmt: skip
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:  # the launch page is pages/999.html
        archive.writestr("pages/launch.js", LAUNCH_JS)
        archive.writestr("pages/content.js", CONTENT_JS)
        archive.writestr(
            "pages/content.html",
            '<!DOCTYPE html><html lang="en"><head><title>Content</title></head><body><h2>Framed content</h2>'
            '<p id="answer">not sent</p><script src="content.js"></script></body></html>',
        )
    data = out.getvalue()
    # The launch page tells its scripts which API to look for.
    marked = f'<html data-scorm="{version}" '.encode()
    return _replace_entry(data, "pages/999.html", lambda page: page.replace(b"<html ", marked, 1))


def _replace_entry(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            archive.writestr(info, change(body) if info.filename == name else body)
    return out.getvalue()


# A page exported by Canvas: its picture and its links name the cartridge's files through placeholders.
CANVAS_PAGE = (
    "<h1>Canvas page</h1>"
    '<p><img src="$IMS-CC-FILEBASE$/Course%20Files/logo.png" alt="Raw placeholder" width="60"/></p>'
    '<p><img src="%24IMS-CC-FILEBASE%24/Course%20Files/logo.png?canvas_download=1" alt="Encoded placeholder"/></p>'
    '<p><img src="$IMS_CC_FILEBASE$/Course%20Files/logo.png" alt="Underscore placeholder"/></p>'
    '<p><a href="$WIKI_REFERENCE$/pages/second-page">The second page</a></p>'
    '<p><a href="$CANVAS_OBJECT_REFERENCE$/modules/m123">A module</a></p>'
)


@cache
def canvas_cartridge() -> bytes:
    """An IMS CC 1.1 cartridge laid out as Canvas exports it: wiki_content/ pages, web_resources/ files."""
    data = course(IMSCC, title="Canvas cartridge", lessons=[Lesson("Canvas page", CANVAS_PAGE)])
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("web_resources/Course Files/logo.png", png((60, 40)))
        archive.writestr(
            "wiki_content/second-page.html",
            '<!DOCTYPE html><html lang="en"><head><title>Second</title></head><body><h1>Second page</h1></body></html>',
        )
    return out.getvalue()  # the lesson page is pages/999.html, one folder deep like Canvas's wiki_content/
