// The console's only script: checks the JSON editors, opens a state's details in place,
// and refreshes a running execution's page (or the execution list) when the server's
// event stream says it changed. Every page works without it, only not live.
(function () {
  'use strict';

  // JSON editors: say whether the text parses, and keep a form with invalid JSON from
  // being sent (the server checks again).
  function checkJson(area) {
    var status = document.getElementById(area.id + '-status');
    var message = '';
    try {
      JSON.parse(area.value.trim() === '' ? '{}' : area.value);
      area.removeAttribute('aria-invalid');
      message = 'Valid JSON';
    } catch (error) {
      area.setAttribute('aria-invalid', 'true');
      message = 'Invalid JSON: ' + error.message;
    }
    if (status) { status.textContent = message; }
    return !area.hasAttribute('aria-invalid');
  }
  document.addEventListener('input', function (event) {
    if (event.target.matches('textarea[data-json]')) { checkJson(event.target); }
  });
  document.addEventListener('submit', function (event) {
    var areas = event.target.querySelectorAll('textarea[data-json]');
    for (var i = 0; i < areas.length; i++) {
      if (!checkJson(areas[i])) {
        event.preventDefault();
        areas[i].focus();
        return;
      }
    }
  });

  // Refreshing the live part of the page: at most once a second, one fetch at a time.
  var inFlight = false, again = false, last = 0, timer = null;

  function detailsKey(element) {
    var row = element.closest('[data-event-id]');
    var summary = element.querySelector('summary');
    return (row ? row.getAttribute('data-event-id') : '') + '|' + (summary ? summary.textContent : '');
  }

  function markSelected() {
    var selected = new URL(location.href).searchParams.get('state');
    document.querySelectorAll('.wf-state').forEach(function (state) {
      var on = selected !== null && state.getAttribute('data-state') === selected;
      state.classList.toggle('selected', on);
      state.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
  }

  function refresh(focusDetails) {
    var root = document.getElementById('live-root');
    if (!root) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    last = Date.now();
    fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) { return; }
        var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById('live-root');
        var current = document.getElementById('live-root');
        if (!fresh || !current) { return; }
        // Keep what the reader opened or closed.
        var open = {};
        current.querySelectorAll('details').forEach(function (d) { open[detailsKey(d)] = d.open; });
        fresh.querySelectorAll('details').forEach(function (d) {
          var key = detailsKey(d);
          if (key in open) { d.open = open[key]; }
        });
        var focused = document.activeElement && document.activeElement.getAttribute('data-state');
        var badge = function (root) {
          var b = root.querySelector('h1 .badge');
          return b ? b.textContent : '';
        };
        var before = badge(current), after = badge(fresh);
        current.replaceWith(document.adoptNode(fresh));
        // Say a new status to screen readers (the rest of the page changes too often).
        var live = document.getElementById('live-status');
        if (live && after && after !== before) { live.textContent = 'Status: ' + after; }
        markSelected();
        if (focusDetails) {
          var panel = document.getElementById('details');
          if (panel) { panel.focus(); }
        } else if (focused) {
          var again = document.querySelector('.wf-state[data-state="' + CSS.escape(focused) + '"]');
          if (again) { again.focus(); }
        }
        document.documentElement.setAttribute('data-refreshed', String(Date.now()));
      })
      .catch(function () { /* the next change, or the reconnection, tries again */ })
      .finally(function () {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (timer) { return; }
    var wait = Math.max(0, 1000 - (Date.now() - last));
    timer = setTimeout(function () { timer = null; refresh(false); }, wait);
  }

  // A state's details: in place with the script, by following the link without it.
  function select(name) {
    var url = new URL(location.href);
    url.searchParams.set('state', name);
    url.searchParams.delete('iteration');
    url.hash = 'details';
    history.replaceState(null, '', url);
    refresh(true);
  }
  document.addEventListener('click', function (event) {
    var target = event.target.closest('.wf-state, a.state-link');
    if (target && target.hasAttribute('data-state')) {
      event.preventDefault();
      select(target.getAttribute('data-state'));
    }
  });
  document.addEventListener('keydown', function (event) {
    var target = event.target;
    if ((event.key === 'Enter' || event.key === ' ') && target.matches && target.matches('.wf-state')) {
      event.preventDefault();
      select(target.getAttribute('data-state'));
    }
  });

  function watch() {
    var root = document.getElementById('live-root');
    if (!root || !root.hasAttribute('data-live') || !window.EventSource) { return; }
    // An ended execution changes no more (a redrive comes back through a new page).
    if (root.getAttribute('data-running') !== 'true') { return; }
    var arn = root.getAttribute('data-live');
    var source = new EventSource('/live' + (arn ? '?arn=' + encodeURIComponent(arn) : ''));
    var opened = false;
    source.addEventListener('changed', schedule);
    // After the server restarted, the browser reconnects: read what happened meanwhile.
    source.addEventListener('open', function () {
      if (opened) { schedule(); }
      opened = true;
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    markSelected();
    document.querySelectorAll('textarea[data-json]').forEach(checkJson);
    watch();
  });
})();
