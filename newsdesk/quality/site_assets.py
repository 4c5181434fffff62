"""The stylesheet and script every Data Docs page loads from the site itself, never from a CDN.

GX's templates load Bootstrap, jQuery, bootstrap-table and Font Awesome from public CDNs; offline
the pages lose their layout, their buttons and their status icons. These two files stand in for
the few parts the pages use: the grid, cards, tables, badges, the collapse toggles, the "Failed
Only" filter, and the status icons (drawn as inline SVG, so no icon font is needed).
"""

from __future__ import annotations

STYLES_PATH = "static/styles/newsdesk-docs.css"
SCRIPT_PATH = "static/scripts/newsdesk-docs.js"


def _svg_icon(body: str, colour: str) -> str:
    """A 16×16 SVG as a CSS data URL (a data URL is part of the page: nothing is fetched)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
        + body.replace("COLOUR", colour)
        + "</svg>"
    )
    return 'url("data:image/svg+xml,' + svg.replace("#", "%23").replace('"', "'") + '")'


_CIRCLE = "<circle cx='8' cy='8' r='7.5' fill='COLOUR'/>"
_TICK = "<path d='M4.2 8.3l2.4 2.4 5-5.2' stroke='white' stroke-width='1.8' fill='none'/>"
_CROSS = "<path d='M5 5l6 6M11 5l-6 6' stroke='white' stroke-width='1.8'/>"
_TRIANGLE = "<path d='M8 1l7.5 14H.5z' fill='COLOUR'/>"
_BANG = "<path d='M8 6v4.5M8 12v1.5' stroke='white' stroke-width='1.8'/>"
_INFO = "<path d='M8 7v5M8 4v1.5' stroke='white' stroke-width='1.8'/>"

GREEN, RED, AMBER, GREY = "#1e8449", "#c0392b", "#b9770e", "#5d6d7e"

ICONS = {
    "passed": _svg_icon(_CIRCLE + _TICK, GREEN),
    "failed": _svg_icon(_CIRCLE + _CROSS, RED),
    "warning": _svg_icon(_TRIANGLE + _BANG, AMBER),
    "info": _svg_icon(_CIRCLE + _INFO, GREY),
}

# Font Awesome class → the icon drawn in its place (GX uses a handful of them).
FONT_AWESOME = {
    "fa-check-circle": "passed",
    "fa-check": "passed",
    "fa-times": "failed",
    "fa-times-circle": "failed",
    "fa-exclamation-triangle": "warning",
    "fa-exclamation-circle": "warning",
    "fa-info-circle": "info",
    "fa-question-circle": "info",
}


def _icon_rules() -> str:
    rules = [
        ".fas, .far, .fa, .nd-icon { display: inline-block; width: 1em; height: 1em;"
        " vertical-align: -0.125em; background: no-repeat center / contain; }"
    ]
    for name, icon in FONT_AWESOME.items():
        rules.append(f".{name} {{ background-image: {ICONS[icon]}; }}")
    for name, icon in ICONS.items():
        rules.append(f".nd-icon.nd-{name} {{ background-image: {icon}; }}")
    return "\n".join(rules)


STYLES = (
    """/* newsdesk Data Docs: the layout GX's pages expect from Bootstrap, served by the site. */
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1c2833; background: #fff; }
a { color: #1f618d; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; word-break: break-word; }
.navbar { display: flex; align-items: center; padding: 0.4rem 1.5rem; background: #f4f6f7;
  border-bottom: 1px solid #d5dbdb; height: auto !important; }
.navbar-brand img { height: 36px !important; }
.breadcrumb { display: flex; list-style: none; margin: 0 0 0 1rem; padding: 0.3rem 0.8rem;
  border-radius: 4px; }
.breadcrumb-item + .breadcrumb-item::before { content: "/"; padding: 0 0.5rem; color: #85929e; }
.container-fluid { padding: 1rem 1.5rem; }
.row { display: flex; flex-wrap: wrap; margin: 0 -0.5rem; }
.row > * { padding: 0 0.5rem; }
.col-12, .col-sm-12, .col-xs-12 { flex: 0 0 100%; max-width: 100%; }
.col-6 { flex: 0 0 50%; max-width: 50%; }
@media (min-width: 768px) {
  .col-md-2 { flex: 0 0 16.66%; max-width: 16.66%; }
  .col-md-10 { flex: 0 0 83.33%; max-width: 83.33%; }
  .d-md-block { display: block !important; }
}
@media (max-width: 767px) { .d-none { display: none; } }
.card { border: 1px solid #d5dbdb; border-radius: 6px; margin-bottom: 1rem; background: #fff; }
.card-header { padding: 0.5rem 0.75rem; background: #f4f6f7; border-bottom: 1px solid #d5dbdb; }
.card-body { padding: 0.75rem; }
.table { width: 100%; border-collapse: collapse; margin: 0.5rem 0; }
.table th, .table td { padding: 0.3rem 0.5rem; border-top: 1px solid #e5e8e8;
  text-align: left; vertical-align: top; }
.table-responsive { overflow-x: auto; }
.badge { display: inline-block; padding: 0.1em 0.45em; border-radius: 4px; font-size: 0.85em;
  background: #e5e8e8; font-family: ui-monospace, Menlo, Consolas, monospace; }
.alert { padding: 0.5rem 0.75rem; border-radius: 4px; background: #f4f6f7; margin: 0.5rem 0; }
.nav { list-style: none; margin: 0; padding: 0; }
.nav-link { display: block; padding: 0.2rem 0.4rem; text-decoration: none; }
.btn { display: inline-block; padding: 0.3rem 0.7rem; border: 1px solid #1f618d;
  border-radius: 4px; color: #1f618d; background: #fff; cursor: pointer; }
.btn.active { background: #1f618d; color: #fff; }
.btn-group-toggle input { display: none; }
.collapse:not(.show) { display: none; }
.text-success { color: #1e8449; }
.text-danger { color: #c0392b; }
.text-warning { color: #b9770e; }
.lead { font-size: 1.1em; }
.sticky-top { position: sticky; top: 0; z-index: 10; }
footer { display: none; }
/* the run index (newsdesk/quality/site_index.py) */
.nd-runs td.nd-status, .nd-runs td.nd-count { white-space: nowrap; }
.nd-runs .nd-suite { display: inline-block; margin: 0 0.6rem 0.2rem 0; white-space: nowrap; }
.nd-failed-list { margin: 0.2rem 0 0; padding-left: 1.2rem; color: #c0392b; }
.nd-muted { color: #5d6d7e; }
"""
    + _icon_rules()
    + "\n"
)

SCRIPT = """// newsdesk Data Docs: the few interactions GX's pages took from jQuery and Bootstrap.
(function () {
  "use strict";
  function target(link) {
    var ref = link.getAttribute("data-target") || link.getAttribute("href") || "";
    return ref.charAt(0) === "#" ? document.getElementById(ref.slice(1)) : null;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest('[data-toggle="collapse"]');
    if (link) {
      event.preventDefault();
      var box = target(link);
      if (box) {
        box.classList.toggle("show");
        link.setAttribute("aria-expanded", String(box.classList.contains("show")));
      }
    }
    var button = event.target.closest('[data-toggle="buttons"] .btn');
    if (button) {
      button.parentNode.querySelectorAll(".btn").forEach(function (b) {
        b.classList.toggle("active", b === button);
      });
    }
  });
  function setShown(show) {
    var hide = show ? "" : "none";
    document.querySelectorAll(".hide-succeeded-validation-target-child").forEach(function (el) {
      el.parentNode.style.display = hide;
    });
    document.querySelectorAll(".hide-succeeded-validation-target").forEach(function (el) {
      el.style.display = hide;
    });
    document.querySelectorAll(".hide-succeeded-validations-column-section-target-child")
      .forEach(function (el) {
        var section = el.parentNode.parentNode;
        section.style.display = hide;
        if (section.id) {
          document.querySelectorAll('a[href$="' + section.id + '"]').forEach(function (a) {
            a.style.display = hide;
          });
        }
      });
  }
  window.showAllValidations = function () { setShown(true); };
  window.hideSucceededValidations = function () { setShown(false); };
})();
"""
