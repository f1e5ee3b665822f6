// The sandbox page: plain JavaScript, no build step. Everything the bot
// wrote is put on the page as text (textContent), never as HTML.
'use strict';
(() => {
  const state = {
    people: [],
    byId: new Map(),
    panes: new Map(), // person id -> pane
    zone: 'Europe/Oslo',
    clock: null, // {base: ms, at: performance.now()}
    logSeq: 0,
  };

  const groups = [
    ['participant', 'Participants'],
    ['mentor', 'Mentors (workplace)'],
    ['teacher', 'Teachers'],
    ['adviser', 'Advisers'],
    ['nav', 'Nav counsellors'],
    ['admin', 'Admins'],
  ];

  // el builds an element; attributes starting with "on" become listeners.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
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
  const formats = new Map();
  function fmt(ms, style) {
    const key = state.zone + style;
    if (!formats.has(key)) {
      const o = {timeZone: state.zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'};
      if (style === 'full') Object.assign(o, {weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', second: '2-digit'});
      if (style === 'log') Object.assign(o, {weekday: 'short', day: '2-digit', month: '2-digit', second: '2-digit'});
      if (style === 'day') Object.assign(o, {weekday: 'short', day: '2-digit', month: '2-digit'});
      formats.set(key, new Intl.DateTimeFormat('en-GB', o));
    }
    const p = {};
    for (const part of formats.get(key).formatToParts(new Date(ms))) p[part.type] = part.value;
    const time = p.second ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
    if (style === 'time') return time;
    const date = p.year ? `${p.day}.${p.month}.${p.year}` : `${p.day}.${p.month}`;
    return `${p.weekday} ${date} ${time}`;
  }

  // ---- clock ----

  function setClock(c) {
    state.zone = c.zone || state.zone;
    state.clock = {base: Date.parse(c.now), at: performance.now()};
    const next = document.getElementById('clock-next');
    next.textContent = c.next ? `Next event: ${fmt(Date.parse(c.next), 'day')}` : 'Nothing scheduled';
    tick();
  }

  function clockNow() {
    return state.clock.base + (performance.now() - state.clock.at);
  }

  function tick() {
    if (!state.clock) return;
    const now = clockNow();
    const t = document.getElementById('clock-now');
    t.textContent = `${fmt(now, 'full')} (${state.zone})`;
    t.setAttribute('datetime', new Date(now).toISOString());
  }
  setInterval(tick, 1000);

  async function moveClock(action, button) {
    const buttons = document.querySelectorAll('[data-clock]');
    const status = document.getElementById('clock-status');
    buttons.forEach(b => { b.disabled = true; });
    try {
      const c = await api('/api/clock', {action});
      setClock(c);
      status.textContent = `${c.note}: now ${fmt(Date.parse(c.now), 'full')}`;
    } catch (e) {
      status.textContent = `Could not move the clock: ${e.message}`;
    } finally {
      buttons.forEach(b => { b.disabled = false; });
      button.focus();
    }
  }
  document.querySelectorAll('[data-clock]').forEach(b => {
    b.addEventListener('click', () => moveClock(b.dataset.clock, b));
  });

  // ---- people ----

  function renderPeople() {
    const list = document.getElementById('people-list');
    list.replaceChildren();
    for (const [g, title] of groups) {
      const ps = state.people.filter(p => p.group === g);
      if (!ps.length) continue;
      const hid = `group-${g}`;
      list.append(el('h3', {id: hid}, title));
      const ul = el('ul', {'aria-labelledby': hid});
      for (const p of ps) {
        const lang = el('bdi', {}, p.lang_name);
        ul.append(el('li', {}, el('button', {
          type: 'button', class: 'person', 'data-person': p.id, 'aria-pressed': 'false',
          onclick: () => togglePane(p.id),
        }, el('span', {class: 'name'}, p.name),
        el('span', {class: 'meta'}, lang, ` (${p.lang})`, p.detail ? ` · ${p.detail}` : ''))));
      }
      list.append(ul);
    }
  }

  function markPressed(id, on) {
    const b = document.querySelector(`.person[data-person="${CSS.escape(id)}"]`);
    if (b) b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  // ---- panes ----

  function togglePane(id) {
    if (state.panes.has(id)) {
      closePane(id);
    } else {
      openPane(id, true);
    }
  }

  function openPane(id, focus) {
    const p = state.byId.get(id);
    if (!p || state.panes.has(id)) return;
    const node = document.getElementById('pane-template').content.firstElementChild.cloneNode(true);
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
    document.getElementById('no-panes').hidden = true;
    document.getElementById('panes').append(node);
    markPressed(id, true);
    saveHash();
    refresh(id);
    if (focus) {
      input.focus();
      node.scrollIntoView({inline: 'nearest', block: 'nearest'});
    }
  }

  function closePane(id) {
    const pane = state.panes.get(id);
    if (!pane) return;
    pane.node.remove();
    state.panes.delete(id);
    markPressed(id, false);
    document.getElementById('no-panes').hidden = state.panes.size > 0;
    saveHash();
    const b = document.querySelector(`.person[data-person="${CSS.escape(id)}"]`);
    if (b) b.focus();
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

  // render updates the pane in place: unchanged messages keep their
  // elements (and so the reader's place and focus), edited ones are
  // redrawn where they stand.
  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  }

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

  const logBody = document.getElementById('log-body');
  const logScroll = document.querySelector('.log-scroll');
  const maxRows = 1000;

  function resetLog(entries) {
    logBody.replaceChildren();
    state.logSeq = 0;
    for (const e of entries) addLog(e);
    logScroll.scrollTop = logScroll.scrollHeight;
  }

  function addLog(e) {
    if (e.seq <= state.logSeq) return;
    state.logSeq = e.seq;
    const nearBottom = logScroll.scrollHeight - logScroll.scrollTop - logScroll.clientHeight < 40;
    let who = e.name || '';
    if (e.person && state.byId.has(e.person)) {
      who = el('button', {type: 'button', class: 'who', title: `Open the chat of ${e.name}`, onclick: () => openPane(e.person, true)}, e.name);
    }
    const lang = e.lang ? el('span', {}, el('bdi', {}, e.lang_name || e.lang), ` (${e.lang})`) : '';
    const text = e.kind === 'sent' ? [e.msg_id, e.detail].filter(Boolean).join(' — ') : [e.msg_id, e.detail].filter(Boolean).join(' ');
    const row = el('tr', {class: `kind-${e.kind}`},
      el('td', {}, fmt(Date.parse(e.at), 'log')),
      el('td', {}, e.kind),
      el('td', {}, who),
      el('td', {}, lang),
      el('td', {}, e.reason || ''),
      el('td', {title: text}, el('bdi', {}, text)));
    logBody.append(row);
    while (logBody.childElementCount > maxRows) logBody.firstElementChild.remove();
    if (nearBottom) logScroll.scrollTop = logScroll.scrollHeight;
  }

  const stepsBox = document.getElementById('log-steps');
  stepsBox.addEventListener('change', () => {
    document.querySelector('.log').classList.toggle('hide-steps', !stepsBox.checked);
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
    const c = document.getElementById('conn');
    c.textContent = ok ? 'Live' : 'Reconnecting…';
    c.classList.toggle('down', !ok);
  }

  function connect() {
    const es = new EventSource('/api/events');
    es.addEventListener('hello', ev => {
      const d = JSON.parse(ev.data);
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
    const d = await api('/api/people');
    state.people = d.people;
    for (const p of d.people) state.byId.set(p.id, p);
    document.getElementById('programme').textContent = `${d.programme} · @${d.bot}`;
    renderPeople();
    for (const id of decodeURIComponent(location.hash.slice(1)).split(',')) {
      if (id) openPane(id, false);
    }
    connect();
  }

  start().catch(e => {
    const c = document.getElementById('conn');
    c.textContent = `Could not start: ${e.message}`;
    c.classList.add('down');
  });
})();
