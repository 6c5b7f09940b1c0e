/* Follow an ingestion job without reloading the page (WCAG 2.2.1 / RGAA 13.1: no timed refresh).
   Progressive enhancement: without JavaScript the page offers an "Actualiser" link. The job's
   progress comes from the native API (GET /api/v1/jobs/{id}, the session authenticates). */
(function () {
  "use strict";
  var root = document.querySelector("[data-job-url]");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-job-url");
  var progress = root.querySelector("progress");
  var percent = root.querySelector("[data-job-percent]");
  var stage = document.querySelector("[data-job-stage]");
  var state = document.querySelector("[data-job-state]");
  var done = document.querySelector("[data-job-done]");
  var manual = document.querySelector("[data-job-manual]");
  var notice = document.querySelector("[data-job-notice]");
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  if (manual) { manual.hidden = true; }

  function show(job) {
    if (progress) { progress.value = job.progress; progress.textContent = job.progress + " %"; }
    if (percent) { percent.textContent = job.progress + " %"; }
    if (stage) { stage.textContent = (english ? job.stage_en : job.stage) || "—"; }
    if (state) { state.textContent = state.getAttribute("data-status-" + job.status) || job.status; }
    if (notice) {  /* e.g. no worker runs: say so, and how to start one */
      notice.hidden = !job.notice;
      notice.textContent = job.notice ? (english ? job.notice.message_en : job.notice.message) : "";
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        show(job);
        if (job.status === "succeeded" || job.status === "unchanged" || job.status === "failed") {
          if (done) { done.hidden = false; }
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { if (manual) { manual.hidden = false; } });
  }
  window.setTimeout(poll, 1000);
}());
