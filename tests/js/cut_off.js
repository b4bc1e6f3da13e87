// Everything a user would see as cut off: controls or text past the viewport (outside a scroll box of its own),
// labels and buttons whose text is clipped, dropdowns too narrow for their choice, text boxes too narrow to type in.
() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  const describe = (el) => {
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 60);
    return `${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 3).join(".")} "${t}"`;
  };
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; };
  const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p); if ((s.overflowX === "auto" || s.overflowX === "scroll") && p !== document.scrollingElement && p.scrollWidth > p.clientWidth + 1 && p.tagName !== "BODY" && p.tagName !== "HTML") return p; } return null; };
  const sel = "button, input, select, textarea, label, .widget-label, .widget-label-basic, a, summary, th, td, p, li, h1, h2, h3, img, figure, table, .widget-html-content";
  for (const el of document.querySelectorAll(sel)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.right > W + 1 || r.left < -1) && !inScroller(el)) out.push(`off-screen (${Math.round(r.left)}..${Math.round(r.right)} of ${W}): ${describe(el)}`);
    const s = getComputedStyle(el);
    const clipsX = s.overflowX !== "visible" || s.textOverflow === "ellipsis";
    if (["BUTTON","LABEL","SELECT","TH","TD","SUMMARY","A"].includes(el.tagName) || el.classList.contains("widget-label") || el.classList.contains("widget-label-basic")) {
      if (el.scrollWidth > el.clientWidth + 1 && clipsX && el.clientWidth > 0) out.push(`clipped (${el.scrollWidth}>${el.clientWidth}): ${describe(el)}`);
    }
    if (el.tagName === "SELECT") {
      const opt = el.options[el.selectedIndex];
      if (opt) { const c = document.createElement("canvas").getContext("2d"); c.font = s.font;
        const need = c.measureText(opt.text).width + 24; if (need > el.clientWidth + 1) out.push(`select too narrow (${Math.round(need)}>${el.clientWidth}): ${describe(el)} "${opt.text.slice(0,40)}"`); }
    }
    if (el.tagName === "INPUT" && ["text","number",""].includes(el.type) && el.clientWidth < 60) out.push(`input too narrow (${el.clientWidth}px): ${describe(el)}`);
  }
  // A button drawn over a text box or another button (a squeezed row).
  const boxes = [...document.querySelectorAll("button, textarea, input, select")].filter(visible);
  for (const a of boxes) { if (a.tagName !== "BUTTON") continue;
    const r = a.getBoundingClientRect();
    for (const b of boxes) { if (a === b || a.contains(b) || b.contains(a)) continue;
      const q = b.getBoundingClientRect();
      const x = Math.min(r.right, q.right) - Math.max(r.left, q.left), y = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (x > 2 && y > 2) out.push(`overlaps: ${describe(a)} over ${describe(b)}`); } }
  if (document.scrollingElement.scrollWidth > W + 1) out.push(`page scrolls sideways (${document.scrollingElement.scrollWidth} > ${W})`);
  return [...new Set(out)];
}
