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
