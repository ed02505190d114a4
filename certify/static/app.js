// Progressive enhancement only: every page works without this file.
// A live character count under each text area that has a limit.
document.addEventListener("DOMContentLoaded", () => {
  for (const area of document.querySelectorAll("textarea[maxlength]")) {
    const limit = Number(area.getAttribute("maxlength"));
    const counter = document.createElement("p");
    counter.className = "hint counter";
    counter.setAttribute("aria-live", "polite");
    const update = () => {
      counter.textContent = `${area.value.length} / ${limit}`;
      counter.classList.toggle("near-limit", area.value.length > limit * 0.9);
    };
    area.insertAdjacentElement("afterend", counter);
    area.addEventListener("input", update);
    update();
  }
});

// Forms that never lose work (issue 16). A form marked data-guard asks before the page is
// left with changes not yet saved; one marked data-autosave also saves its draft in the
// background a few seconds after the last change (the server answers JSON with the record's
// new version, so the optimistic-locking check still refuses a save from a stale tab).
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-guard]")) {
    let dirty = false;
    let leaving = false;
    let pending = null;
    let timer = null;
    const status = form.querySelector(".autosave-status");
    const say = (text) => { if (status) status.textContent = text || ""; };

    const refreshStates = () => {
      for (const box of form.querySelectorAll("fieldset[data-criterion]")) {
        const state = form.querySelector(
          `.criterion-state[data-criterion="${box.dataset.criterion}"]`);
        if (!state) continue;
        const level = box.querySelector("input[type=radio]:checked");
        const text = box.querySelector("textarea");
        const filled = level && text && text.value.trim() !== "";
        state.textContent = filled ? form.dataset.filled : form.dataset.empty;
      }
    };

    const autosave = () => {
      timer = null;
      if (!dirty || leaving) return;
      const data = new FormData(form);
      for (const input of form.querySelectorAll("input[type=file]")) data.delete(input.name);
      data.set("autosave", "1");
      say(form.dataset.saving);
      dirty = false;
      pending = fetch(form.action || window.location.href, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(async (response) => {
        const answer = await response.json().catch(() => ({}));
        if (response.ok && answer.saved) {
          const version = form.querySelector("input[name=version]");
          if (version) version.value = answer.version;
          say(form.dataset.saved);
        } else {
          dirty = true;
          say((answer.problems || [form.dataset.saveFailed]).join(" "));
        }
      }).catch(() => {
        dirty = true;
        say(form.dataset.saveFailed);
      }).finally(() => { pending = null; });
    };

    const changed = () => {
      dirty = true;
      refreshStates();
      say(form.dataset.unsaved);
      if ("autosave" in form.dataset) {
        clearTimeout(timer);
        timer = setTimeout(autosave, 3000);
      }
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);

    form.addEventListener("submit", (event) => {
      clearTimeout(timer);
      if (pending) {
        // A background save is under way: send the form once it has answered, with the
        // version it returned.
        event.preventDefault();
        const submitter = event.submitter;
        pending.then(() => form.requestSubmit(submitter));
        return;
      }
      leaving = true;
    });

    window.addEventListener("beforeunload", (event) => {
      if (dirty && !leaving) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
});

// A wide table scrolls inside its own box on a phone (style.css): make such a box reachable
// by keyboard (Tab, then the arrow keys), as WCAG 2.1.1 asks, and only while it scrolls.
const focusableScrollers = () => {
  for (const box of document.querySelectorAll("main table, main .table-scroll")) {
    if (box.scrollWidth > box.clientWidth) {
      box.setAttribute("tabindex", "0");
    } else if (box.getAttribute("tabindex") === "0" && !box.matches(".api-docs *")) {
      box.removeAttribute("tabindex");
    }
  }
};
document.addEventListener("DOMContentLoaded", focusableScrollers);
window.addEventListener("resize", focusableScrollers);

// A background job's page (templates/_job.html): while the job runs, ask the page itself for
// its state (JSON) every two seconds and move the progress bar; once it is finished, load the
// page again, which then offers the download or says what went wrong. Without this file the
// page refreshes itself (<noscript> meta refresh); nothing here is inline, as the CSP wants.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-job-poll]");
  if (!box) return;
  const status = box.querySelector("[role=status]");
  const bar = box.querySelector("progress");
  const poll = async () => {
    try {
      const response = await fetch(window.location.href, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (response.ok) {
        const job = await response.json();
        if (job.finished) {
          window.location.reload();
          return;
        }
        if (status) status.textContent = job.message;
        if (bar && job.total) {
          bar.max = job.total;
          bar.value = job.progress;
          bar.textContent = `${job.percent} %`;
        }
      }
    } catch {
      // offline for a moment: try again at the next turn
    }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
});
