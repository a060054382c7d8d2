// Progressive help only: every page works without it. Counts the chair's selections live.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const out = document.getElementById("live-count");
  if (!out) return;
  const capacity = Number(out.dataset.capacity);
  const update = () => {
    const already = document.querySelectorAll(".decision.d-select").length;
    let chosen = 0;
    document.querySelectorAll('select[name^="outcome:"]').forEach((s) => { if (s.value === "select") chosen += 1; });
    out.textContent = `${already + chosen} / ${capacity}`;
    out.className = already + chosen > capacity ? "error" : "meta";
  };
  document.addEventListener("change", update);
  update();
});
