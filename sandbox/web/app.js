// The sandbox page: plain JavaScript, no build step. Everything the bot
// wrote is put on the page as text (textContent), never as HTML.
'use strict';
(() => {
  const state = {
    people: [],
    byId: new Map(),
    panes: new Map(), // person id -> pane, in the order they were opened
    active: null, // the chat shown on a phone, and the one last opened
    zone: 'Europe/Oslo',
    clock: null, // {base: ms, at: performance.now()}
    clockSeq: 0,
    next: null, // ms of the next event, as the server last said
    logSeq: 0,
    guideDay: '',
  };

  const groups = [
    ['participant', 'Participants'],
    ['mentor', 'Mentors (workplace)'],
    ['teacher', 'Teachers'],
    ['adviser', 'Advisers'],
    ['nav', 'Nav counsellors'],
    ['admin', 'Admins'],
  ];

  const body = document.body;
  const $ = id => document.getElementById(id);

  // el builds an element; attributes starting with "on" become listeners.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k);
    return e;
  }

  async function api(path, body) {
    const opts = body === undefined ? {} : {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    };
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  // Times are shown in the programme's zone whatever the browser's is.
  // Styles: full "Wed 02.12.2026 08:00:07", day "Wed 02.12 09:00",
  // date "Wed 02.12.2026", sec "08:00:07", time "08:00", weekday "Wed".
  const formats = new Map();
  function fmt(ms, style) {
    if (!formats.has(state.zone)) {
      formats.set(state.zone, new Intl.DateTimeFormat('en-GB', {
        timeZone: state.zone, hourCycle: 'h23', weekday: 'short', day: '2-digit', month: '2-digit',
        year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
      }));
    }
    const p = {};
    for (const part of formats.get(state.zone).formatToParts(new Date(ms))) p[part.type] = part.value;
    const hm = `${p.hour}:${p.minute}`;
    switch (style) {
      case 'full': return `${p.weekday} ${p.day}.${p.month}.${p.year} ${hm}:${p.second}`;
      case 'day': return `${p.weekday} ${p.day}.${p.month} ${hm}${p.second === '00' ? '' : ':' + p.second}`;
      case 'date': return `${p.weekday} ${p.day}.${p.month}.${p.year}`;
      case 'sec': return `${hm}:${p.second}`;
      case 'weekday': return p.weekday;
      default: return hm;
    }
  }

  function firstName(name) {
    return name.split(' ')[0];
  }

  // langName is a language's English name ("Arabic"), for the tour.
  function langName(p) {
    try {
      return new Intl.DisplayNames(['en'], {type: 'language'}).of(p.lang) || p.lang_name;
    } catch {
      return p.lang_name;
    }
  }

  // ---- layout: drawers on small screens ----

  const narrow = matchMedia('(max-width: 699.98px)');
  const wide = matchMedia('(min-width: 1200px)');
  const peopleEl = $('people');
  const logEl = $('log');
  const peopleToggle = $('people-toggle');
  const logToggle = $('log-toggle');
  const scrim = $('scrim');
  const isDrawer = which => (which === 'people' ? narrow.matches : !wide.matches);

  // A drawer open over the page makes the rest of it inert: a keyboard
  // or screen reader stays in the drawer until it closes.
  function applyDrawers() {
    const people = isDrawer('people') && body.dataset.people === 'open';
    const log = isDrawer('log') && body.dataset.log === 'open';
    const modal = people ? peopleEl : log ? logEl : null;
    scrim.hidden = !modal;
    for (const x of [document.querySelector('.skips'), document.querySelector('.top'), $('panes'), peopleEl, logEl]) {
      x.inert = modal !== null && x !== modal;
    }
    peopleToggle.setAttribute('aria-expanded', String(people));
    logToggle.setAttribute('aria-expanded', String(body.dataset.log === 'open'));
  }

  function setDrawer(which, open, returnFocus) {
    body.dataset[which] = open ? 'open' : 'closed';
    applyDrawers();
    if (which === 'log' && open) logToBottom();
    if (!isDrawer(which)) return;
    if (open) {
      if (which === 'people') {
        const current = peopleEl.querySelector('.person[aria-current="true"]') || peopleEl.querySelector('.person');
        (current || peopleEl).focus();
      } else {
        logScroll.focus();
      }
    } else if (returnFocus) {
      (which === 'people' ? peopleToggle : logToggle).focus();
    }
  }

  function resetLayout() {
    body.dataset.people = 'closed';
    body.dataset.log = wide.matches ? 'open' : 'closed';
    applyDrawers();
    showActive();
  }
  narrow.addEventListener('change', resetLayout);
  wide.addEventListener('change', resetLayout);

  // A skip link to a closed drawer opens it.
  for (const a of document.querySelectorAll('.skip')) {
    a.addEventListener('click', ev => {
      const which = a.hash.slice(1);
      if ((which === 'people' || which === 'log') && isDrawer(which) && body.dataset[which] !== 'open') {
        ev.preventDefault();
        setDrawer(which, true, false);
      } else if (which === 'log' && body.dataset.log !== 'open') {
        setDrawer('log', true, false);
      }
    });
  }

  peopleToggle.addEventListener('click', () => setDrawer('people', body.dataset.people !== 'open', true));
  logToggle.addEventListener('click', () => setDrawer('log', body.dataset.log !== 'open', true));
  document.querySelectorAll('[data-close]').forEach(b => {
    b.addEventListener('click', () => setDrawer(b.dataset.close, false, true));
  });
  scrim.addEventListener('click', () => {
    if (body.dataset.people === 'open') setDrawer('people', false, true);
    if (body.dataset.log === 'open' && isDrawer('log')) setDrawer('log', false, true);
  });
  document.addEventListener('keydown', ev => {
    if (ev.key !== 'Escape') return;
    if (isDrawer('people') && body.dataset.people === 'open') setDrawer('people', false, true);
    else if (isDrawer('log') && body.dataset.log === 'open') setDrawer('log', false, true);
  });

  // ---- clock ----

  // setClock shows a state from the server. States come both as answers
  // and on the event stream; only a newer one replaces what is shown.
  function setClock(c) {
    if (c.seq && c.seq < state.clockSeq) return false;
    state.clockSeq = c.seq || state.clockSeq;
    state.zone = c.zone || state.zone;
    state.clock = {base: Date.parse(c.now), at: performance.now()};
    state.next = c.next ? Date.parse(c.next) : null;
    $('clock-zone').textContent = `· ${state.zone}`;
    // The very instant "Next event" jumps to.
    $('clock-next').textContent = c.finding ? 'Next event: being worked out…'
      : state.next ? `Next event: ${fmt(state.next, 'day')}` : 'Next event: nothing scheduled';
    tick();
    return true;
  }

  function clockNow() {
    return state.clock.base + (performance.now() - state.clock.at);
  }

  function tick() {
    if (!state.clock) return;
    const now = clockNow();
    const t = $('clock-now');
    t.textContent = fmt(now, 'full');
    t.setAttribute('datetime', new Date(now).toISOString());
    const day = fmt(now, 'date');
    if (day !== state.guideDay) {
      state.guideDay = day;
      renderGuide();
    }
  }
  setInterval(tick, 1000);

  let moving = false;
  async function moveClock(action) {
    if (moving) return;
    moving = true;
    // aria-disabled rather than disabled: the pressed button keeps focus.
    const buttons = document.querySelectorAll('[data-clock]');
    const status = $('clock-status');
    buttons.forEach(b => b.setAttribute('aria-disabled', 'true'));
    status.textContent = 'Moving the clock…';
    try {
      const c = await api('/api/clock', {action});
      setClock(c);
      status.textContent = `${c.note}: now ${fmt(Date.parse(c.now), 'day')}`;
    } catch (e) {
      status.textContent = `Could not move the clock: ${e.message}`;
    } finally {
      status.title = status.textContent;
      buttons.forEach(b => b.removeAttribute('aria-disabled'));
      moving = false;
    }
  }
  document.querySelectorAll('[data-clock]').forEach(b => {
    b.addEventListener('click', () => moveClock(b.dataset.clock));
  });

  // ---- people ----

  function renderPeople() {
    const list = $('people-list');
    list.replaceChildren();
    for (const [g, title] of groups) {
      const ps = state.people.filter(p => p.group === g);
      if (!ps.length) continue;
      const hid = `group-${g}`;
      list.append(el('h3', {id: hid}, title));
      const ul = el('ul', {'aria-labelledby': hid});
      for (const p of ps) {
        ul.append(el('li', {}, el('button', {
          type: 'button', class: 'person', 'data-person': p.id,
          onclick: () => choose(p.id),
        }, el('span', {class: 'name'}, p.name, el('span', {class: 'open-mark', hidden: true}, 'open')),
        el('span', {class: 'meta'}, el('bdi', {}, p.lang_name), ` (${p.lang})`, p.detail ? ` · ${p.detail}` : ''))));
      }
      list.append(ul);
    }
  }

  function markPeople() {
    for (const b of document.querySelectorAll('.person')) {
      const id = b.dataset.person;
      const open = state.panes.has(id);
      b.classList.toggle('is-open', open);
      b.querySelector('.open-mark').hidden = !open;
      if (id === state.active && open) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  // ---- guided tour ----

  // The tour picks a participant with a placement today (right to left
  // if there is one, to show it), so the mentor really is told.
  function guideCast() {
    const today = state.clock ? fmt(clockNow(), 'weekday') : '';
    const ps = state.people.filter(p => p.group === 'participant' && p.mentor && state.byId.has(p.mentor));
    const works = p => (p.days || []).includes(today);
    const p = ps.find(x => x.rtl && works(x)) || ps.find(works) || ps.find(x => x.rtl) || ps[0] ||
      state.people.find(x => x.group === 'participant');
    if (!p) return null;
    const first = g => state.people.find(x => x.group === g);
    return {
      p, today: works(p),
      mentor: state.byId.get(p.mentor),
      nav: state.byId.get(p.nav) || first('nav'),
      adviser: state.byId.get(p.adviser) || first('adviser'),
    };
  }

  function renderGuide() {
    const cast = guideCast();
    for (const ol of document.querySelectorAll('.guide')) {
      ol.replaceChildren();
      if (!cast) continue;
      const who = x => el('button', {type: 'button', class: 'link', onclick: () => choose(x.id)}, x.name);
      const {p, mentor, nav, adviser} = cast;
      const steps = [
        ['Open ', who(p), ` (participant, writes ${langName(p)}) and tap 🤒, then the first button (today) and ✅.`],
      ];
      if (mentor) {
        const where = (p.detail || '').split(' · ')[0];
        steps.push(cast.today
          ? ['Open ', who(mentor), ` (mentor at ${where}): the notice says ${firstName(p.name)} is away, not why.`]
          : ['Open ', who(mentor), ` (mentor at ${where}): on ${firstName(p.name)}'s placement days (${(p.days || []).join(', ')}) the notice says who is away, not why.`]);
      }
      if (nav) steps.push(['Open ', who(nav), ` (Nav) and tap 📆 to book a meeting with ${firstName(p.name)}.`]);
      steps.push(['Press ', el('button', {type: 'button', class: 'act', onclick: () => moveClock('morning')}, 'Next morning 07:00'),
        ' to see the reminders and the morning card go out.']);
      if (adviser) steps.push(['Open ', who(adviser), ' (adviser) and tap 📋 for the day at a glance.']);
      for (const s of steps) ol.append(el('li', {}, s));
    }
  }

  // ---- panes ----

  // choose opens a person's chat, or brings it forward if it is open.
  function choose(id) {
    if (isDrawer('people') && body.dataset.people === 'open') setDrawer('people', false, false);
    openPane(id, true);
  }

  function openPane(id, focus) {
    const p = state.byId.get(id);
    if (!p) return;
    if (state.panes.has(id)) {
      activate(id, focus);
      return;
    }
    const node = $('pane-template').content.firstElementChild.cloneNode(true);
    const tid = `pane-title-${id}`;
    const iid = `pane-input-${id}`;
    node.dataset.person = id;
    node.setAttribute('aria-labelledby', tid);
    const title = node.querySelector('.pane-title');
    title.id = tid;
    title.textContent = p.name;
    node.querySelector('.pane-sub').append(`${p.roles.join(', ')} · `, el('bdi', {}, p.lang_name), ` (${p.lang})`);
    const close = node.querySelector('.close');
    close.setAttribute('aria-label', `Close the chat of ${p.name}`);
    close.addEventListener('click', () => closePane(id));
    const msgs = node.querySelector('.msgs');
    msgs.setAttribute('aria-label', `Messages between ${p.name} and the bot`);
    const kb = node.querySelector('.replykb');
    kb.setAttribute('aria-label', `Reply keyboard of ${p.name}`);
    const form = node.querySelector('.compose');
    const label = form.querySelector('label');
    const input = form.querySelector('input');
    label.setAttribute('for', iid);
    label.textContent = `Message from ${p.name} to the bot`;
    input.id = iid;
    input.dir = 'auto';
    const voice = form.querySelector('.voice');
    voice.setAttribute('aria-label', `Send a sample voice note as ${p.name}`);
    voice.title = 'Send a sample voice note';
    const photo = form.querySelector('.photo');
    photo.setAttribute('aria-label', `Send a sample photo as ${p.name}`);
    photo.title = 'Send a sample photo';

    const pane = {id, node, msgs, kb, input, toast: node.querySelector('.toast'), els: new Map(), kbSig: '', loading: false, dirty: false, pinned: true};
    // A reader at the bottom stays there as messages arrive; one who
    // scrolled up to read is left in peace.
    msgs.addEventListener('scroll', () => { pane.pinned = atBottom(msgs); });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      if (await act(pane, '/api/send', {person: id, text})) input.value = '';
    });
    voice.addEventListener('click', () => act(pane, '/api/voice', {person: id}));
    photo.addEventListener('click', () => act(pane, '/api/photo', {person: id}));

    state.panes.set(id, pane);
    $('panes').append(node);
    saveHash();
    refresh(id);
    activate(id, focus);
  }

  // activate makes a chat the current one: the only one shown on a
  // phone, scrolled into view and focused elsewhere.
  function activate(id, focus) {
    const pane = state.panes.get(id);
    if (!pane) return;
    state.active = id;
    showActive();
    if (!focus) return;
    // On a phone the message list takes focus, not the text box, which
    // would open the on-screen keyboard over the chat.
    (narrow.matches ? pane.msgs : pane.input).focus({preventScroll: true});
    reveal(pane.node);
    pane.node.classList.add('flash');
    setTimeout(() => pane.node.classList.remove('flash'), 600);
  }

  function showActive() {
    if (state.active && !state.panes.has(state.active)) state.active = null;
    if (!state.active && state.panes.size) state.active = [...state.panes.keys()].pop();
    for (const [id, pane] of state.panes) pane.node.classList.toggle('active', id === state.active);
    $('no-panes').hidden = state.panes.size > 0;
    $('guide-box').hidden = state.panes.size === 0;
    markPeople();
  }

  // reveal scrolls the chat area sideways to show a chat. Not
  // scrollIntoView: that would scroll the page itself, too.
  function reveal(node) {
    const box = $('panes');
    const b = box.getBoundingClientRect();
    const n = node.getBoundingClientRect();
    if (n.right > b.right) box.scrollLeft += n.right - b.right + 12;
    else if (n.left < b.left) box.scrollLeft -= b.left - n.left + 12;
  }

  function closePane(id) {
    const pane = state.panes.get(id);
    if (!pane) return;
    pane.node.remove();
    state.panes.delete(id);
    saveHash();
    showActive();
    if (narrow.matches) {
      const next = state.panes.get(state.active);
      (next ? next.msgs : peopleToggle).focus({preventScroll: true});
    } else {
      const b = document.querySelector(`.person[data-person="${CSS.escape(id)}"]`);
      if (b) b.focus();
    }
  }

  // The open panes live in the URL's fragment, so a reload or a shared
  // link shows the same chats.
  function saveHash() {
    const ids = [...state.panes.keys()].join(',');
    history.replaceState(null, '', ids ? `#${ids}` : location.pathname);
  }

  async function act(pane, path, body) {
    try {
      await api(path, body);
      pane.stick = true;
      return true;
    } catch (e) {
      showToast(pane, `Not sent: ${e.message}`);
      return false;
    }
  }

  function showToast(pane, text) {
    pane.toast.textContent = text;
    clearTimeout(pane.toastTimer);
    pane.toastTimer = setTimeout(() => { pane.toast.textContent = ''; }, 4000);
  }

  // refresh fetches a chat again; calls that arrive while one runs are
  // folded into one more fetch afterwards.
  async function refresh(id) {
    const pane = state.panes.get(id);
    if (!pane) return;
    if (pane.loading) {
      pane.dirty = true;
      return;
    }
    pane.loading = true;
    try {
      do {
        pane.dirty = false;
        const view = await api(`/api/chat?person=${encodeURIComponent(id)}`);
        if (state.panes.get(id) !== pane) return;
        render(pane, view);
      } while (pane.dirty);
    } catch (e) {
      showToast(pane, `Could not load the chat: ${e.message}`);
    } finally {
      pane.loading = false;
    }
  }

  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  }

  // render updates the pane in place: unchanged messages keep their
  // elements (and so the reader's place and focus), edited ones are
  // redrawn where they stand.
  function render(pane, view) {
    const box = pane.msgs;
    const focusKey = box.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    const seen = new Set();
    let prev = null;
    for (const m of view.messages) {
      const sig = JSON.stringify(m);
      let entry = pane.els.get(m.id);
      if (!entry || entry.sig !== sig) {
        const node = buildMessage(pane, m);
        if (entry) entry.node.replaceWith(node);
        entry = {sig, node};
        pane.els.set(m.id, entry);
      }
      seen.add(m.id);
      const want = prev ? prev.nextSibling : box.firstChild;
      if (want !== entry.node) box.insertBefore(entry.node, want);
      prev = entry.node;
    }
    for (const [id, entry] of pane.els) {
      if (!seen.has(id)) {
        entry.node.remove();
        pane.els.delete(id);
      }
    }
    if (focusKey && !box.contains(document.activeElement)) {
      const again = box.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
    renderKeyboard(pane, view.keyboard || []);
    if (pane.pinned || pane.stick) {
      box.scrollTop = box.scrollHeight;
      pane.pinned = true;
      pane.stick = false;
      // A fallback font for a script or emoji may load only now and make
      // the new message taller.
      document.fonts.ready.then(() => { if (pane.pinned) box.scrollTop = box.scrollHeight; });
    }
  }

  function buildMessage(pane, m) {
    const who = m.from === 'bot' ? 'Bot' : 'You';
    const node = el('div', {class: `msg ${m.from}`, 'data-id': m.id});
    node.append(el('span', {class: 'visually-hidden'}, `${who}: `));
    const bubble = el('div', {class: 'bubble', dir: 'auto'});
    if (m.photo) bubble.append(el('img', {src: m.photo.url, alt: m.from === 'bot' ? 'Photo from the bot' : 'Photo you sent'}));
    if (m.text) bubble.append(el('span', {class: 'text'}, m.text));
    if (m.voice) bubble.append(el('span', {}, '🎤 Voice message · ', el('a', {href: m.voice.url, download: m.voice.name}, 'download')));
    if (m.document) {
      bubble.append(el('span', {class: 'doc'}, '📄 ', el('a', {href: m.document.url, download: m.document.name}, m.document.name), ` (${size(m.document.size)})`));
    }
    const meta = (m.edited ? 'edited · ' : '') + fmt(Date.parse(m.at), 'time');
    bubble.append(el('span', {class: 'meta', dir: 'ltr'}, meta));
    node.append(bubble);
    if (m.inline && m.inline.length) {
      const kb = el('div', {class: 'inline', role: 'group', 'aria-label': 'Buttons on this message'});
      m.inline.forEach((row, r) => {
        const line = el('div', {class: 'row'});
        row.forEach((b, c) => {
          const key = `${m.id}:${r}:${c}`;
          if (b.url) {
            line.append(el('a', {href: b.url, target: '_blank', rel: 'noopener noreferrer', dir: 'auto', 'data-key': key}, `${b.text} ↗`));
          } else {
            line.append(el('button', {
              type: 'button', dir: 'auto', 'data-key': key,
              onclick: () => act(pane, '/api/press', {person: pane.id, message_id: m.id, data: b.data}),
            }, b.text));
          }
        });
        kb.append(line);
      });
      node.append(kb);
    }
    return node;
  }

  function size(n) {
    return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} kB` : `${(n / (1 << 20)).toFixed(1)} MB`;
  }

  function renderKeyboard(pane, rows) {
    const sig = JSON.stringify(rows);
    if (sig === pane.kbSig) return;
    pane.kbSig = sig;
    const had = pane.kb.contains(document.activeElement) ? document.activeElement.textContent : null;
    pane.kb.replaceChildren();
    for (const row of rows) {
      const line = el('div', {class: 'row'});
      for (const text of row) {
        line.append(el('button', {type: 'button', dir: 'auto',
          onclick: () => act(pane, '/api/send', {person: pane.id, text})}, text));
      }
      pane.kb.append(line);
    }
    if (had !== null) {
      const again = [...pane.kb.querySelectorAll('button')].find(b => b.textContent === had);
      (again || pane.input).focus();
    }
  }

  // ---- event log ----
  //
  // Each entry says in words what happened (the server writes the
  // words). A message the bot sent sits under the step or job that sent
  // it, and the step's line sums up whom it told. The log is one stop
  // for the keyboard: its rows hold nothing to tab through.

  const logBody = $('log-body');
  const logScroll = document.querySelector('.log-scroll');
  const maxRows = 1000;
  const logEntries = new Map(); // seq -> {e, node, kids, told}
  let lastDay = '';
  // The log follows new entries while its reader is at the bottom, even
  // while it is hidden (a closed drawer has no scroll position).
  let logPinned = true;
  logScroll.addEventListener('scroll', () => {
    if (logScroll.clientHeight > 0) logPinned = logScroll.scrollHeight - logScroll.scrollTop - logScroll.clientHeight < 40;
  });
  function logToBottom() {
    if (logPinned) logScroll.scrollTop = logScroll.scrollHeight;
  }

  const badges = {
    step: 'Step', job: 'Job', sent: 'Sent', retry: 'Retry', dropped: 'Not sent',
    plan: 'Plan', missed: 'Skipped', clock: 'Clock', redis_error: 'Error',
  };

  function resetLog(entries) {
    logBody.replaceChildren();
    logEntries.clear();
    lastDay = '';
    state.logSeq = 0;
    for (const e of entries) addLog(e);
    logPinned = true;
    logToBottom();
  }

  function quiet(e) {
    return e.kind === 'job' && (!e.reason || e.reason === 'none' || e.reason === e.job);
  }

  // nameIn puts the person's name in an entry's words as a way to their
  // chat; the mouse can use it, the keyboard has the people list.
  function nameIn(text, e) {
    const i = e.name && e.person && state.byId.has(e.person) ? text.indexOf(e.name) : -1;
    if (i < 0) return [text];
    const b = el('button', {type: 'button', class: 'who', tabindex: '-1', title: `Open the chat of ${e.name}`,
      onclick: () => choose(e.person)}, e.name);
    return [text.slice(0, i), b, text.slice(i + e.name.length)];
  }

  function buildEntry(e) {
    const li = el('li', {class: `entry kind-${e.kind}${quiet(e) ? ' quiet' : ''}`, 'data-seq': e.seq, 'data-reason': e.reason || null});
    const at = Date.parse(e.at);
    const summary = el('span', {class: 'summary'});
    li.append(el('p', {class: 'line'},
      el('time', {datetime: e.at}, fmt(at, 'sec')),
      el('span', {class: 'badge'}, badges[e.kind] || e.kind), ' ',
      el('span', {class: 'text'}, nameIn(e.text || e.kind, e)),
      summary));
    if ((e.kind === 'sent' || e.kind === 'retry' || e.kind === 'dropped') && e.msg_id && e.msg_id !== 'commands') {
      // The catalogue id, the language and the text each keep their own
      // direction: Arabic text must not carry the id along with it.
      const line = el('p', {class: 'msg-line'}, el('code', {dir: 'ltr'}, e.msg_id));
      if (e.lang) line.append(' · ', el('bdi', {}, e.lang_name || e.lang), ` (${e.lang})`);
      if (e.kind === 'sent' && e.detail) {
        line.append(' ', el('q', {}, el('bdi', {dir: 'auto', lang: e.lang || null}, e.detail)));
      }
      li.append(line);
    }
    return {e, node: li, summary, kids: null, told: []};
  }

  function addTop(entry) {
    const day = fmt(Date.parse(entry.e.at), 'date');
    if (day !== lastDay) {
      lastDay = day;
      logBody.append(el('li', {class: 'day'}, day));
    }
    logBody.append(entry.node);
  }

  function addKid(parent, kid) {
    if (!parent.kids) {
      parent.kids = el('ol', {class: 'kids'});
      parent.node.append(parent.kids);
    }
    parent.kids.append(kid.node);
    const k = kid.e;
    if (k.kind === 'missed') parent.node.classList.remove('quiet');
    if (k.kind !== 'sent' || k.msg_id === 'commands' || !k.name) return;
    parent.node.classList.remove('quiet');
    if (k.person && k.person === parent.e.person) return; // an answer, not news for others
    const who = k.role ? `${k.name} (${k.role})` : k.name;
    if (!parent.told.includes(who)) parent.told.push(who);
    const t = parent.told;
    parent.summary.textContent = `: told ${t.length > 1 ? t.slice(0, -1).join(', ') + ' and ' + t[t.length - 1] : t[0]}`;
  }

  function addLog(e) {
    if (e.seq <= state.logSeq) return;
    state.logSeq = e.seq;
    const entry = buildEntry(e);
    logEntries.set(e.seq, entry);
    const parent = e.parent && logEntries.get(e.parent);
    if (parent) addKid(parent, entry);
    else addTop(entry);
    for (const seq of e.adopt || []) {
      const kid = logEntries.get(seq);
      if (kid) addKid(entry, kid);
    }
    while (logBody.childElementCount > maxRows) {
      const gone = logBody.firstElementChild;
      for (const n of [gone, ...gone.querySelectorAll('[data-seq]')]) logEntries.delete(Number(n.dataset.seq));
      gone.remove();
    }
    logToBottom();
  }

  const quietBox = $('log-quiet');
  quietBox.addEventListener('change', () => {
    logEl.classList.toggle('hide-quiet', !quietBox.checked);
  });

  // ---- live updates ----

  const dirty = new Set();
  let flushTimer = null;
  function changed(id) {
    if (!state.panes.has(id)) return;
    dirty.add(id);
    // Several changes in a burst (a message and its keyboard, a notice
    // to many people) become one fetch per chat.
    if (!flushTimer) {
      flushTimer = setTimeout(() => {
        flushTimer = null;
        for (const d of dirty) refresh(d);
        dirty.clear();
      }, 40);
    }
  }

  function setConn(ok) {
    $('conn').textContent = ok ? 'Live' : 'Reconnecting…';
    $('conn-box').classList.toggle('down', !ok);
    $('conn-box').title = ok ? 'Live: the page follows the bot' : 'Reconnecting to the sandbox…';
  }

  function connect() {
    const es = new EventSource('/api/events');
    es.addEventListener('hello', ev => {
      const d = JSON.parse(ev.data);
      state.clockSeq = 0; // a restarted sandbox counts from the start again
      setClock(d.clock);
      resetLog(d.log || []);
      for (const id of state.panes.keys()) refresh(id);
      setConn(true);
    });
    es.addEventListener('chat', ev => changed(JSON.parse(ev.data).person));
    es.addEventListener('toast', ev => {
      const d = JSON.parse(ev.data);
      const pane = state.panes.get(d.person);
      if (pane) showToast(pane, d.text);
    });
    es.addEventListener('clock', ev => setClock(JSON.parse(ev.data)));
    es.addEventListener('log', ev => addLog(JSON.parse(ev.data)));
    // EventSource reconnects by itself; "hello" then resynchronises.
    es.addEventListener('error', () => setConn(false));
  }

  async function start() {
    resetLayout();
    const d = await api('/api/people');
    state.people = d.people;
    for (const p of d.people) state.byId.set(p.id, p);
    $('programme').textContent = `${d.programme} · @${d.bot}`;
    renderPeople();
    renderGuide();
    for (const id of decodeURIComponent(location.hash.slice(1)).split(',')) {
      if (id) openPane(id, false);
    }
    showActive();
    connect();
  }

  start().catch(e => {
    $('conn').textContent = `Could not start: ${e.message}`;
    $('conn-box').classList.add('down');
  });
})();
