// bouncewhy page: sends the pasted text or the opened file to the API and lays out the answer.
// Every piece of text from the user or the server goes into the page with textContent,
// never as HTML.
'use strict';

(() => {
  const byId = (id) => document.getElementById(id);
  const labelCache = new Map();
  let lastRequest = null;

  // An element with attributes and children (strings become text nodes).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function setStatus(message, isError) {
    const status = byId('status');
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
  }

  function languageName(code) {
    try {
      const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
      return name && name !== code ? `${name} (${code})` : code;
    } catch (_) {
      return code;
    }
  }

  async function loadLanguages() {
    const select = byId('lang');
    let data = { languages: ['en'], preferred: 'en' };
    try {
      const response = await fetch('/api/v1/languages');
      if (response.ok) data = await response.json();
    } catch (_) {
      // Offline or server gone: English still works once it is back.
    }
    select.replaceChildren();
    for (const code of data.languages) {
      select.append(el('option', { value: code }, languageName(code)));
    }
    select.value = data.languages.includes(data.preferred) ? data.preferred : 'en';
    if (!select.value && data.languages.length) select.value = data.languages[0];
  }

  // Interface labels (headings, who/retry phrases) in a language, from the reasons endpoint.
  async function labelsFor(lang) {
    if (!labelCache.has(lang)) {
      const response = await fetch(`/api/v1/reasons?lang=${encodeURIComponent(lang)}`);
      const data = response.ok ? await response.json() : { labels: {} };
      labelCache.set(lang, data.labels || {});
    }
    return labelCache.get(lang);
  }

  // A page label in the chosen language (once loaded), else the English fallback.
  function pageText(key, fallback) {
    const labels = labelCache.get(byId('lang').value || 'en') || {};
    return labels[key] || fallback;
  }

  // The page's own words in `lang`: every element marked with data-label.
  async function localizePage(lang) {
    const labels = await labelsFor(lang);
    for (const node of document.querySelectorAll('[data-label]')) {
      const text = labels[node.dataset.label];
      if (text) node.textContent = text;
    }
    if (labels.page_title) document.title = `${labels.page_title} · bouncewhy`;
    document.documentElement.lang = lang;
  }

  async function send(request) {
    lastRequest = request;
    const lang = byId('lang').value || 'en';
    setStatus(pageText('page_working', 'Working…'));
    byId('explain').disabled = true;
    try {
      let response;
      if (request.kind === 'text') {
        response = await fetch('/api/v1/explain', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ text: request.text, lang }),
        });
      } else {
        response = await fetch(`/api/v1/decode?lang=${encodeURIComponent(lang)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'message/rfc822' },
          body: request.bytes,
        });
      }
      const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
      if (!response.ok) {
        setStatus(`${pageText('page_cannot_explain', 'Cannot explain this:')} ${data.error || `HTTP ${response.status}`}`, true);
        byId('answer').hidden = true;
        return;
      }
      await render(data, request.text);
      const count = data.diagnoses.length;
      setStatus(`${pageText('page_explained', 'Recipients explained:')} ${count}`);
    } catch (error) {
      setStatus(`${pageText('page_unreachable', 'The server could not be reached:')} ${error.message}`, true);
    } finally {
      byId('explain').disabled = false;
    }
  }

  function duration(seconds, labels) {
    if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} ${labels.hours || 'hours'}`;
    if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} ${labels.minutes || 'minutes'}`;
    return `${seconds} ${labels.seconds || 'seconds'}`;
  }

  // The diagnostic with the evidence span marked (span is in UTF-8 bytes).
  function markedDiagnostic(diagnosis) {
    const text = diagnosis.diagnostic || '';
    const evidence = diagnosis.evidence;
    const quote = el('q', { class: 'diagnostic' });
    let range = null;
    if (evidence && evidence.span) {
      const bytes = new TextEncoder().encode(text);
      const decoder = new TextDecoder();
      const [start, end] = evidence.span;
      if (start <= end && end <= bytes.length) {
        range = [
          decoder.decode(bytes.slice(0, start)).length,
          decoder.decode(bytes.slice(0, end)).length,
        ];
      }
    } else if (evidence && evidence.matched) {
      const found = findLoose(text, evidence.matched);
      if (found.length) range = found[0];
    }
    if (!range) {
      quote.textContent = text;
      return quote;
    }
    quote.append(
      text.slice(0, range[0]),
      el('mark', {}, text.slice(range[0], range[1])),
      text.slice(range[1]),
    );
    return quote;
  }

  // Every place `needle` occurs in `haystack`, ignoring case and differences in white space.
  function findLoose(haystack, needle) {
    const words = needle.trim().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&'));
    const pattern = new RegExp(escaped.join('[\\s_]+'), 'giu');
    const ranges = [];
    for (const match of haystack.matchAll(pattern)) {
      ranges.push([match.index, match.index + match[0].length]);
      if (ranges.length > 50) break;
    }
    return ranges;
  }

  function card(diagnosis, labels, index) {
    const label = (key, fallback) => labels[key] || fallback;
    const explanation = diagnosis.explanation || {};
    const heading = diagnosis.recipient
      ? `${label('recipient', 'Recipient')}: ${diagnosis.recipient}`
      : label('message', 'Message');
    const permanence = diagnosis.permanent
      ? `✖ ${label('permanent', 'permanent')}`
      : `↻ ${label('temporary', 'temporary')}`;
    const flags = [el('span', { class: `badge ${diagnosis.permanent ? 'permanent' : 'temporary'}` }, permanence)];
    if (diagnosis.hard_bounce) {
      flags.push(el('span', { class: 'badge hard' }, `⚠ ${label('hard_bounce', 'hard bounce')}`));
    }

    const rows = el('dl');
    const row = (key, fallback, ...content) => {
      rows.append(el('dt', {}, label(key, fallback)), el('dd', {}, ...content));
    };
    row('what_happened', 'What happened', el('span', { class: 'summary' }, explanation.summary || ''));
    if (explanation.detail) row('why', 'Why', el('span', { class: 'detail' }, explanation.detail));
    row('who_acts', 'Who has to act', el('span', { class: 'who' }, label(`who_${diagnosis.who_acts}`, diagnosis.who_acts)));
    let retry = label(`retry_${diagnosis.retry}`, diagnosis.retry);
    if (diagnosis.retry_after_s) {
      retry += `; ${label('retry_wait', 'wait at least')} ${duration(diagnosis.retry_after_s, labels)}`;
    }
    row('retry', 'Retry', el('span', { class: 'retry' }, retry));
    if (explanation.fix && explanation.fix.length) {
      row('fix', 'How to fix it', el('ol', { class: 'fix' }, ...explanation.fix.map((step) => el('li', {}, step))));
    }
    if (diagnosis.diagnostic) row('server_said', 'The server said', markedDiagnostic(diagnosis));
    const codes = [
      ['reply_code', 'reply code', diagnosis.reply_code],
      ['status', 'status', diagnosis.status],
      ['smtp_command', 'command', diagnosis.smtp_command],
      ['provider', 'provider', diagnosis.provider],
      ['provider_code', 'provider code', diagnosis.provider_code],
    ].filter(([, , value]) => value).map(([key, fallback, value]) => `${label(key, fallback)} ${value}`);
    if (codes.length) row('codes', 'Codes', codes.join(', '));
    if (diagnosis.evidence) {
      const evidence = diagnosis.evidence;
      row('evidence', 'Evidence', el('code', {}, evidence.rule),
        evidence.matched ? ' ← ' : '', evidence.matched ? el('mark', {}, evidence.matched) : null);
    }
    const links = (explanation.links || []).filter((link) => /^https?:\/\//i.test(link));
    if (links.length) {
      row('more', 'More information', ...links.map((link) => el('a', { href: link, rel: 'noopener noreferrer' }, link)));
    }

    return el('article', {
      class: 'card',
      'data-reason': diagnosis.reason,
      'aria-labelledby': `card-${index}`,
    },
      el('h3', { id: `card-${index}` }, heading),
      el('p', { class: 'reason' },
        el('strong', { class: 'reason-title' }, label(`reason_${diagnosis.reason}`, diagnosis.reason)),
        ' ', el('code', { class: 'reason-code' }, diagnosis.reason), ' ', ...flags),
      rows);
  }

  // The user's own text with every matched piece of evidence marked; long texts show excerpts.
  function renderEvidence(text, diagnoses) {
    const box = byId('evidence');
    box.replaceChildren();
    const ranges = [];
    for (const diagnosis of diagnoses) {
      const matched = diagnosis.evidence && diagnosis.evidence.matched;
      if (matched) ranges.push(...findLoose(text, matched));
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([...range]);
    }
    const limit = 100000;
    if (text.length <= limit) {
      let at = 0;
      for (const [start, end] of merged) {
        box.append(text.slice(at, start), el('mark', {}, text.slice(start, end)));
        at = end;
      }
      box.append(text.slice(at));
      return;
    }
    if (!merged.length) {
      box.append(text.slice(0, 2000), '\n…');
      return;
    }
    for (const [start, end] of merged.slice(0, 20)) {
      const from = Math.max(0, start - 300);
      const to = Math.min(text.length, end + 300);
      box.append('…', text.slice(from, start), el('mark', {}, text.slice(start, end)), text.slice(end, to), '…\n');
    }
  }

  async function render(data, shownText) {
    const labels = await labelsFor(data.lang);
    const answer = byId('answer');
    answer.hidden = false;
    answer.lang = data.lang;
    answer.dataset.lang = data.lang;
    byId('note').textContent = data.note || '';
    byId('cards').replaceChildren(...data.diagnoses.map((d, i) => card(d, labels, i)));
    renderEvidence(shownText || '', data.diagnoses);
    answer.dataset.answers = String(Number(answer.dataset.answers || 0) + 1);
    byId('answer-heading').focus();
  }

  async function openFile(file) {
    if (!file) return;
    setStatus(`${pageText('page_reading', 'Reading')} ${file.name}…`);
    const bytes = await file.arrayBuffer();
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    await send({ kind: 'file', bytes, text, name: file.name });
  }

  function wire() {
    const form = byId('ask');
    const input = byId('input');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value;
      if (!text.trim()) {
        setStatus(pageText('page_empty_input', 'Paste an error message or a bounce email first.'), true);
        input.focus();
        return;
      }
      send({ kind: 'text', text });
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    byId('file').addEventListener('change', (event) => {
      openFile(event.target.files[0]);
    });
    byId('lang').addEventListener('change', async () => {
      await localizePage(byId('lang').value || 'en');
      if (lastRequest) send(lastRequest);
    });
    const drop = byId('drop');
    for (const target of [drop, input]) {
      target.addEventListener('dragover', (event) => {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files')) {
          event.preventDefault();
          drop.classList.add('over');
        }
      });
      target.addEventListener('dragleave', () => drop.classList.remove('over'));
      target.addEventListener('drop', (event) => {
        const files = event.dataTransfer && event.dataTransfer.files;
        if (files && files.length) {
          event.preventDefault();
          drop.classList.remove('over');
          openFile(files[0]);
        }
      });
    }
  }

  wire();
  loadLanguages()
    .then(() => localizePage(byId('lang').value || 'en'))
    .catch(() => {})
    .finally(() => {
      document.body.dataset.ready = 'true';
    });
})();
