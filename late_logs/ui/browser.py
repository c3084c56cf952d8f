"""What the dashboard adds to the browser tab itself: Back that steps through views, and keyboard keys.

Streamlit pushes a history entry for every change of the query string, so each widget write (a filter, a
window) became a Back step. Here history entries are kept for navigation only: a move to another page or to
another attempt or post (`id` changes); any other query-string change replaces the current entry.

Keys: `j` / `k` (or Alt+↓ / Alt+↑) open the older / newer attempt on the Attempt page, `/` focuses the
search box. Keys typed into an input are left alone.

The script is fixed text (nothing from the logs or the URL is put into it) and is added to the page
around the component's frame once per tab, so it outlives the frame and the page changes.
"""

from __future__ import annotations

import json

import streamlit as st

_TAB_SCRIPT = r"""
(function () {
  if (window.__lateLogsTab) return;
  window.__lateLogsTab = true;
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  function isNavigation(url) {
    if (url === undefined || url === null) return true;
    const next = new URL(String(url), window.location.href);
    const here = new URL(window.location.href);
    return next.pathname !== here.pathname || next.searchParams.get('id') !== here.searchParams.get('id');
  }
  window.history.pushState = function (state, title, url) {
    return isNavigation(url) ? push(state, title, url) : replace(state, title, url);
  };
  function linkEndingWith(text) {
    return [...document.querySelectorAll('a')].find(a => a.innerText.trim().endsWith(text));
  }
  document.addEventListener('keydown', function (event) {
    const target = event.target;
    const typing = target && (target.isContentEditable ||
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
    if (typing || event.ctrlKey || event.metaKey) return;
    if (event.key === '/') {
      const search = document.querySelector('input[aria-label^="Search"]');
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (!window.location.pathname.endsWith('/log')) return;
    const older = event.key === 'j' || (event.altKey && event.key === 'ArrowDown');
    const newer = event.key === 'k' || (event.altKey && event.key === 'ArrowUp');
    const link = older ? linkEndingWith('Older attempt') : newer ? linkEndingWith('Newer attempt') : null;
    if (link) { event.preventDefault(); link.click(); }
  });
})();
"""

# The frame adds the script to the page around it (st.iframe gives HTML text a same-origin frame).
_FRAME = (
    "<script>(function () { const host = window.parent; if (!host || host.__lateLogsTab) return;"
    " const script = host.document.createElement('script'); script.textContent = %s;"
    " host.document.head.appendChild(script); })();</script>"
)


def install() -> None:
    """Add the tab script (history and keys); cheap on reruns, a no-op once the tab has it."""
    st.iframe(_FRAME % json.dumps(_TAB_SCRIPT), height=1)
