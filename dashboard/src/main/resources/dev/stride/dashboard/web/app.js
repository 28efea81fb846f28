// The stride dashboard and report: plain DOM code, no framework. Everything that comes from the model or the dataset
// (answers, inputs, errors, ids, run names) is inserted as text (textContent, text nodes), never as HTML.
'use strict';

(function () {
  const POLL_MS = 2000;
  /** How often the page of a run that stopped with records left looks whether it was resumed. */
  const WAITING_POLL_MS = 10000;
  const PAGE_SIZE = 50;
  const main = document.getElementById('main');
  const status = document.getElementById('status');
  const embedded = document.getElementById('stride-data');
  const report = embedded ? JSON.parse(embedded.textContent) : null;

  // ---- small helpers ----------------------------------------------------------------------------------------------

  /** An element with attributes and children; strings become text nodes, so data can never become markup. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.substring(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function setText(node, text) {
    const t = text === null || text === undefined ? '' : String(text);
    if (node.textContent !== t) node.textContent = t;
  }

  function fmt(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    const two = n => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':'
      + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function runHref(name) {
    return '/runs/' + segment(name);
  }

  // A name "." or ".." in a path would be a dot segment, which the browser takes out of a link or a fetch ("/runs/.."
  // is "/"; so is "/runs/%2E%2E"): it is written with a ';' after it, which the server takes away. No other name reads
  // so: encodeURIComponent writes the ';' of a name as %3B.
  function segment(name) {
    return name === '.' || name === '..' ? name + ';' : encodeURIComponent(name);
  }

  function nameOf(segment) {
    return segment === '.;' || segment === '..;' ? segment.slice(0, -1) : decodeURIComponent(segment);
  }

  async function getJson(url) {
    const response = await fetch(url, {headers: {'Accept': 'application/json'}});
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.error || ('HTTP ' + response.status));
      error.status = response.status;
      error.database = body.database;
      throw error;
    }
    return body;
  }

  function connection(ok, message) {
    if (!status) return;
    status.className = ok ? 'conn' : 'conn bad';
    setText(status, message);
  }

  const STATE_HINTS = {
    running: 'a stride process is working on it now',
    waiting: 'its server went away: every live stride process of it waits for the server to answer again (up to '
      + '--wait-for-server), and goes on once it does; no rate while it waits',
    interrupted: 'stopped by Ctrl+C or a signal, or no process has saved progress for 20 s (killed or lost); '
      + 'run it again to resume',
    stopped: 'stopped before the end; run it again to resume',
    done: 'every record has an answer',
    done_with_failures: 'finished, but some records failed; run it again to retry them',
  };

  function stateBadge(state) {
    return el('span', {class: 'state ' + state, title: STATE_HINTS[state] || '', 'data-state': state},
      state.replace(/_/g, ' '));
  }

  /**
   * Polls {@code load}, then asks {@code next()} how: {ms, words} to go on after ms (words for the status line), or
   * null when nothing more can change. Failures show and the polling goes on, but for a 404: what was asked for is
   * not there, which no retry changes, so {@code gone(error)} says so and the polling stops.
   */
  function poll(load, next, gone) {
    let timer = null;
    async function tick() {
      let ms = POLL_MS;
      try {
        await load();
        const then = next();
        connection(true, then ? then.words : 'finished: nothing more to update');
        if (!then) return;
        ms = then.ms;
      } catch (e) {
        if (e.status === 404 && gone) {
          gone(e);
          return;
        }
        connection(false, 'cannot read the database now (' + e.message + '); trying again');
      }
      timer = setTimeout(tick, ms);
    }
    tick();
    return () => clearTimeout(timer);
  }

  const LIVE = {ms: POLL_MS, words: 'live: updates every 2 s'};

  // ---- runs list ---------------------------------------------------------------------------------------------------

  function runsView(data, inReport) {
    const rows = new Map();
    const tbody = el('tbody');
    const view = el('section', {id: 'runs'},
      el('h1', {text: 'Runs in this database'}),
      el('p', {class: 'hint', text: 'A run sends every record of a dataset to a model and keeps each answer. '
        + (inReport ? '' : 'Open a run to see its speed, its errors and every answer; this page updates itself.')}),
      el('table', {id: 'runs-table'},
        el('thead', {}, el('tr', {},
          el('th', {text: 'Run'}), el('th', {text: 'Model'}), el('th', {text: 'State'}),
          el('th', {text: 'Progress', title: 'records with an answer, of all records'}),
          el('th', {class: 'num', text: 'Done', title: 'records answered'}),
          el('th', {class: 'num', text: 'Failed', title: 'records that failed after every retry'}),
          el('th', {class: 'num', text: 'Pending', title: 'records not answered yet'}),
          el('th', {class: 'num', text: 'Accuracy', title: 'answers that match the label of their record, by the metric'
            + ' named on each (as stride status shows it); – not scored'}),
          el('th', {class: 'num', text: 'Rate', title: 'answers per second over the last minute'}),
          el('th', {class: 'num', text: 'Time left', title: 'at the current rate'}),
          el('th', {class: 'num', text: 'Workers', title: 'stride processes working on the run now'}),
          el('th', {class: 'num', text: 'In flight', title: 'requests its live workers have out as of their last '
            + 'heartbeat, and in brackets the limit they keep to; auto: the limit is learnt from the servers\' answers '
            + '(--concurrency auto). Workers of an older version tell their limit alone, shown as "27 auto" or "64"'}),
          el('th', {text: 'Started'}), el('th', {text: 'Last saved'}))),
        tbody));
    const empty = el('p', {class: 'empty', text: 'No runs yet: start one with stride run --db … and it shows here.'});
    view.appendChild(empty);
    const compare = inReport ? null : compareForm();
    if (compare) view.appendChild(compare.node);

    function update(list) {
      empty.hidden = list.runs.length > 0;
      for (const r of list.runs) {
        let row = rows.get(r.name);
        if (!row) {
          row = {
            link: el('a', {href: inReport ? '#run-' + encodeURIComponent(r.name) : runHref(r.name)}),
            model: el('td'), state: el('td'), bar: el('progress', {max: 1, value: 0}), pct: el('span'),
            done: el('td', {class: 'num done'}), failed: el('td', {class: 'num failed'}),
            pending: el('td', {class: 'num pending'}), accuracy: el('td', {class: 'num accuracy'}),
            rate: el('td', {class: 'num rate'}),
            left: el('td', {class: 'num left'}), workers: el('td', {class: 'num workers'}),
            inFlight: el('td', {class: 'num in-flight'}), started: el('td'), saved: el('td'),
          };
          row.tr = el('tr', {'data-run': r.name}, el('td', {}, row.link), row.model, row.state,
            el('td', {class: 'progress'}, row.bar, ' ', row.pct), row.done, row.failed, row.pending, row.accuracy,
            row.rate, row.left,
            row.workers, row.inFlight, row.started, row.saved);
          tbody.appendChild(row.tr);
          rows.set(r.name, row);
        }
        setText(row.link, r.name);
        setText(row.model, r.model);
        if (row.state.dataset.state !== r.state) {
          row.state.replaceChildren(stateBadge(r.state));
          row.state.dataset.state = r.state;
        }
        row.bar.max = Math.max(1, r.total);
        row.bar.value = r.done;
        setText(row.pct, fmt(r.done) + ' / ' + fmt(r.total) + ' (' + r.percent.toFixed(1) + '%)');
        setText(row.done, fmt(r.done));
        setText(row.failed, fmt(r.failed));
        setText(row.pending, fmt(r.pending));
        setText(row.accuracy, r.accuracy === null || r.accuracy === undefined ? '–'
          : (r.accuracy * 100).toFixed(1) + '%');
        row.accuracy.title = r.accuracy_metric ? 'metric ' + r.accuracy_metric : 'not scored';
        setText(row.rate, r.state === 'running' ? r.rate_per_second.toFixed(1) + '/s' : '–');
        setText(row.left, r.state === 'running' ? duration(r.seconds_left) : '–');
        setText(row.workers, workerWords(r));
        setText(row.inFlight, inFlightWords(r));
        setText(row.started, when(r.started_at));
        setText(row.saved, when(r.updated_at));
      }
      if (compare) compare.update(list.runs);
    }

    update(data);
    return {node: view, update: update};
  }

  function compareForm() {
    const a = el('select', {name: 'a', 'aria-label': 'run A'});
    const b = el('select', {name: 'b', 'aria-label': 'run B'});
    const node = el('form', {action: '/compare', method: 'get', class: 'filters', id: 'compare-form'},
      el('strong', {text: 'Compare two runs:'}), a, el('span', {text: 'with'}), b,
      el('button', {type: 'submit', text: 'Compare'}),
      el('span', {class: 'hint', text: 'accuracy of each (once scored) and the records they answer differently'}));
    let known = '';
    function update(runs) {
      const names = runs.map(r => r.name);
      if (names.join('\n') === known) return;
      known = names.join('\n');
      for (const select of [a, b]) {
        const chosen = select.value;
        select.replaceChildren(...names.map(n => el('option', {value: n, text: n})));
        if (names.includes(chosen)) select.value = chosen;
      }
      if (names.length > 1 && a.value === b.value) b.value = names[1];
      node.hidden = names.length < 2;
    }
    return {node: node, update: update};
  }

  // ---- one run -----------------------------------------------------------------------------------------------------

  /**
   * The live workers, and how many of them wait for their server, as status says of each ("server unreachable for
   * 12s, waiting for it"): "2 (1 waiting for its server)", as the server judged each ("waiting").
   */
  function workerWords(run) {
    if (!(run.live_workers > 0)) return '–';
    const waiting = (run.workers || []).filter(w => w.waiting).length;
    return String(run.live_workers) + (waiting === 0 ? '' : ' (' + waiting + ' waiting for '
      + (waiting === 1 ? 'its server)' : 'their servers)'));
  }

  /**
   * The live workers that said how many requests they keep in flight, and said it lately: a worker killed on another
   * machine keeps its lease for a while but sends nothing, and its last figures no longer hold.
   */
  function told(workers) {
    return (workers || []).filter(w => w.in_flight != null && !w.in_flight_stale);
  }

  /**
   * What a run's live workers have in flight together, in the words of stride status: the requests out with the limit
   * apart, "23 (auto, limit 27)" or "64 (limit 64)", so that a limit is never read as requests out; unlike status, the
   * limit is shown when reached too: "64" alone is what a worker of an older version says, its limit. The limit is all
   * the live workers' together; the requests out those of the workers that tell them. Where none does (workers of an
   * older version) the limit alone, as such workers were always shown: "27 auto", "64". "–" when none says anything.
   * Workers some auto, some fixed say how many learn their limit: "80 (1 of 2 auto, limit 91)".
   * The server sums them (in_flight_total), leaving out the workers whose figures are too old to hold (status says
   * "as of 2 min ago" of each), and says how many it left out.
   */
  function inFlightWords(run) {
    const total = run.in_flight_total;
    if (!total) return '–';
    const stale = total.stale_workers === 0 ? ''
      : ' · ' + total.stale_workers + (total.stale_workers === 1 ? ' worker' : ' workers') + ' silent, not counted';
    if (total.workers === 0) return '–' + stale;
    const auto = total.concurrency === 'auto';
    // Some auto, some fixed: "auto" alone would call the fixed workers' limits learnt.
    const mixed = total.concurrency === 'mixed' ? total.auto_workers + ' of ' + total.workers + ' auto' : '';
    const limit = fmt(total.limit);
    if (total.requests_out == null) return limit + (auto ? ' auto' : mixed ? ' (' + mixed + ')' : '') + stale;
    return fmt(total.requests_out) + ' (' + (auto ? 'auto, ' : mixed ? mixed + ', ' : '') + 'limit ' + limit + ')'
      + stale;
  }

  /**
   * Each server's own learnt limit, summed over the live workers that send to it: "limits: gpu1:8000 8 · gpu2:8000 19",
   * or "" for none. Limits, not requests out (a worker tells those for all its servers together), and said so: under
   * "23 (auto, limit 27)" the bare numbers would read as requests out per server. A server is named by its host (and
   * port), or by its whole URL where two share one.
   */
  function serverWords(workers) {
    const each = new Map();
    for (const w of workers) {
      for (const s of w.servers || []) {
        const seen = each.get(s.base_url) || {limit: 0, aside: true};
        each.set(s.base_url, {limit: seen.limit + (s.set_aside ? 0 : s.in_flight), aside: seen.aside && s.set_aside});
      }
    }
    const urls = [...each.keys()];
    const hostOf = u => { try { return new URL(u).host || u; } catch (e) { return u; } };
    const hosts = urls.map(hostOf);
    const names = new Set(hosts).size === hosts.length ? hosts : urls;
    if (urls.length === 0) return '';
    return 'limits: ' + urls.map((u, i) => names[i] + ' ' + (each.get(u).aside ? 'set aside' : fmt(each.get(u).limit)))
      .join(' · ');
  }

  function card(label, hint) {
    const v = el('div', {class: 'v'});
    const node = el('div', {class: 'card', title: hint || ''}, v, el('div', {class: 'k', text: label}));
    return {node: node, set: text => setText(v, text)};
  }

  function chartsOf(host) {
    const width = () => Math.max(300, (host.clientWidth || 1200) / (host.clientWidth > 1100 ? 2 : 1) - 40);
    const rateBox = el('div', {class: 'chart', id: 'chart-rate'},
      el('h3', {text: 'Answers per second'}),
      el('p', {class: 'hint', text: 'How fast records finish, done and failed. A drop means the server slowed down or stopped.'}));
    const latencyBox = el('div', {class: 'chart', id: 'chart-latency'},
      el('h3', {text: 'Latency (ms)'}),
      el('p', {class: 'hint', text: 'How long one answer took: half were faster than p50, 9 in 10 faster than p90, 99 in 100 faster than p99.'}));
    host.appendChild(el('div', {class: 'charts'}, rateBox, latencyBox));
    let rate = null;
    let latency = null;
    let shown = '';
    function update(t) {
      const key = JSON.stringify(t);
      if (key === shown) return;
      shown = key;
      if (typeof uPlot === 'undefined') return;
      const rateData = [t.t, t.per_second, t.failed_per_second];
      const latencyData = [t.t, t.p50_ms, t.p90_ms, t.p99_ms];
      if (!rate) {
        rate = new uPlot({width: width(), height: 220, series: [{},
          {label: 'done + failed /s', stroke: '#2d8a4e', fill: 'rgba(45,138,78,0.08)'},
          {label: 'failed /s', stroke: '#c23b3b'}], axes: [{}, {label: 'per second'}]}, rateData, rateBox);
        latency = new uPlot({width: width(), height: 220, series: [{},
          {label: 'p50', stroke: '#2f6fd0'}, {label: 'p90', stroke: '#d08a2f'}, {label: 'p99', stroke: '#c23b3b'}],
          axes: [{}, {label: 'ms'}]}, latencyData, latencyBox);
      } else {
        rate.setData(rateData);
        latency.setData(latencyData);
      }
    }
    return {update: update};
  }

  function tableOf(columns, emptyText) {
    const tbody = el('tbody');
    const empty = el('p', {class: 'empty', text: emptyText});
    const node = el('div', {}, el('table', {}, el('thead', {}, el('tr', {},
      columns.map(c => el('th', {class: c.num ? 'num' : null, text: c.label})))), tbody), empty);
    let shown = null;
    // emptyText, when given, replaces what an empty table says (what "nothing listed" means may change per page)
    function update(rows, emptyText) {
      if (emptyText !== undefined) setText(empty, emptyText);
      const key = JSON.stringify(rows);
      if (key === shown) return;
      shown = key;
      empty.hidden = rows.length > 0;
      tbody.replaceChildren(...rows.map(r => el('tr', {}, columns.map(c => {
        const v = c.value(r);
        return el('td', {class: c.num ? 'num' : (c.text ? 'text' : null)}, v instanceof Node ? v : String(v ?? '–'));
      }))));
    }
    return {node: node, update: update};
  }

  function runSummary(host, detail, inReport) {
    const r = detail.run;
    const title = el('h1', {}, el('span', {class: 'run-name', text: r.name}));
    const stateHolder = el('span');
    const stopReason = el('span', {id: 'stop-reason'});
    const model = el('span');
    const refresh = el('span', {id: 'refresh'});
    host.appendChild(el('div', {}, title, el('p', {class: 'hint'}, 'Model ', model, ' · state ', stateHolder,
      stopReason, refresh)));
    const bar = el('progress', {max: 1, value: 0, id: 'run-progress'});
    const pct = el('span');
    host.appendChild(el('p', {}, bar, ' ', pct));
    const cards = {
      done: card('done', 'records with an answer'),
      failed: card('failed', 'records that failed after every retry'),
      pending: card('pending', 'records not answered yet'),
      total: card('total', 'records in the input'),
      rate: card('answers / s', 'over the last minute, while the run goes'),
      left: card('time left', 'at the current rate'),
      tokensIn: card('tokens in', 'prompt tokens, as the server counted them'),
      tokensOut: card('tokens out', 'answer tokens, as the server counted them'),
      workers: card('workers', 'stride processes working on this run now'),
      inFlight: card('in flight', 'requests the live workers have out as of their last heartbeat, and in brackets '
        + 'the limit they keep to; auto: the limit is learnt from the servers\' answers (--concurrency auto), with '
        + 'each server\'s own limit below. Workers of an older version tell their limit alone, shown as "27 auto"'),
    };
    const perServer = el('div', {class: 's'});
    cards.inFlight.node.appendChild(perServer);
    cards.inFlight.node.id = 'card-in-flight';
    for (const c of Object.values(cards)) c.node.classList.add('card');
    cards.done.node.id = 'card-done';
    cards.failed.node.id = 'card-failed';
    cards.tokensIn.node.id = 'card-tokens-in';
    cards.tokensOut.node.id = 'card-tokens-out';
    host.appendChild(el('div', {class: 'cards'}, Object.values(cards).map(c => c.node)));
    const charts = chartsOf(host);
    const scores = tableOf([
      {label: 'metric', value: s => s.metric}, {label: 'label field', value: s => s.label_field},
      {label: 'accuracy', num: true, value: s => (s.accuracy * 100).toFixed(1) + '%'},
      {label: '95% interval', num: true, value: s => (s.ci_low * 100).toFixed(1) + '–' + (s.ci_high * 100).toFixed(1) + '%'},
      {label: 'correct', num: true, value: s => fmt(s.correct)}, {label: 'scored', num: true, value: s => fmt(s.scored)},
      {label: 'no answer found', num: true, value: s => fmt(s.unparsed)}],
    'Not scored yet: stride score --db … --run NAME --metric … holds each answer against the label of its record.');
    const errors = tableOf([
      {label: 'kind', value: e => e.kind}, {label: 'records', num: true, value: e => fmt(e.count)},
      {label: 'example message', text: true, value: e => e.example}], 'No record failed.');
    const reasons = tableOf([
      {label: 'finish reason', value: f => f.reason}, {label: 'answers', num: true, value: f => fmt(f.count)}],
    'No answers yet.');
    host.appendChild(el('h2', {text: 'Scoreboard'}));
    host.appendChild(el('p', {class: 'hint', text: 'How many answers match the label of their record, with the range the true accuracy lies in (95%).'}));
    // The way the run scores as answers arrive: names a regex metric's expression, which the rows do not.
    const liveScoring = el('p', {class: 'hint', id: 'live-scoring'});
    host.appendChild(liveScoring);
    host.appendChild(el('div', {id: 'scores'}, scores.node));
    host.appendChild(el('div', {class: 'grid2'},
      el('div', {id: 'errors'}, el('h2', {text: 'Errors by kind'}),
        el('p', {class: 'hint', text: 'Why records failed, with one message of each kind.'}), errors.node),
      el('div', {id: 'reasons'}, el('h2', {text: 'How answers ended'}),
        el('p', {class: 'hint', text: 'stop: the model finished; length: cut off at the token limit.'}), reasons.node)));

    function update(d) {
      const run = d.run;
      // What the first render showed: a person (or a test) can tell the page has moved on since.
      if (!cards.done.node.dataset.first) cards.done.node.dataset.first = String(run.done);
      setText(model, run.model);
      if (stateHolder.dataset.state !== run.state) {
        stateHolder.replaceChildren(stateBadge(run.state));
        stateHolder.dataset.state = run.state;
      }
      // Why its last session stopped it, as the stop line said it at the terminal that ran it.
      setText(stopReason, run.stop_reason ? ': ' + run.stop_reason : '');
      if (!inReport) setText(refresh, ' · ' + paceWords(run));
      bar.max = Math.max(1, run.total);
      bar.value = run.done;
      setText(pct, fmt(run.done) + ' / ' + fmt(run.total) + ' answered (' + run.percent.toFixed(1) + '%)');
      cards.done.set(fmt(run.done));
      cards.failed.set(fmt(run.failed));
      cards.pending.set(fmt(run.pending));
      cards.total.set(fmt(run.total));
      cards.rate.set(run.state === 'running' ? run.rate_per_second.toFixed(1) : '–');
      cards.left.set(run.state === 'running' ? duration(run.seconds_left) : '–');
      // Before the first answer nothing says whether the server reports usage: "not reported" would blame it
      const tokens = n => d.tokens.reported ? fmt(n) : run.done === 0 ? '–' : 'not reported';
      cards.tokensIn.set(tokens(d.tokens.in));
      cards.tokensOut.set(tokens(d.tokens.out));
      cards.workers.set(workerWords(run));
      cards.inFlight.set(inFlightWords(run));
      setText(perServer, serverWords(told(run.workers)));
      charts.update(d.timeline);
      setText(liveScoring, d.scoring === null ? '' : 'Scored as answers arrive by metric ' + d.scoring.metric
        + (d.scoring.extract !== null ? ' --extract ' + d.scoring.extract : '') + ', label field '
        + d.scoring.label_field + '.');
      scores.update(d.scores);
      errors.update(d.errors);
      reasons.update(d.finish_reasons);
    }
    update(detail);
    return update;
  }

  /**
   * How a run's page follows the run: {ms, words} as poll takes them, or null once nothing more can change. The
   * header says the same ({@code paceWords}): it said "every 2 s" of a stopped run the page looked at every 10 s.
   */
  function pace(run) {
    if (run.finished) return null;
    if (run.state === 'running' || run.live_workers > 0) return LIVE;
    // Stopped with records left: nothing changes until someone runs it again, which may be in a minute or a week.
    // Looked at less often, but looked at: the page picks the run up when it goes on.
    return {ms: WAITING_POLL_MS, words: run.state.replace(/_/g, ' ') + ': ' + fmt(run.pending)
      + ' records not answered yet; run it again to resume (this page looks every ' + WAITING_POLL_MS / 1000 + ' s)'};
  }

  function paceWords(run) {
    const p = pace(run);
    if (p === null) return 'finished: this page no longer updates itself';
    if (p === LIVE) return 'this page updates itself every ' + POLL_MS / 1000 + ' s while the run goes on';
    return 'this page looks every ' + p.ms / 1000 + ' s for the run to be resumed';
  }

  function runPage(name) {
    document.title = name + ' · stride';
    main.replaceChildren(el('p', {}, el('a', {href: '/', text: '← all runs'})));
    const summary = el('section', {id: 'summary'});
    const browser = el('section', {id: 'browser'});
    main.appendChild(summary);
    main.appendChild(browser);
    let update = null;
    let run = null;
    let refreshRecords = () => {};
    poll(async () => {
      const detail = await getJson('/api/runs/' + segment(name));
      if (!update) {
        update = runSummary(summary, detail, false);
        refreshRecords = resultsBrowser(browser, name);
      } else {
        update(detail);
        refreshRecords();
      }
      run = detail.run;
    }, () => pace(run), e => {
      // A name mistyped, or a run removed (stride clear) while watched: the database is fine, the run is not in it
      main.replaceChildren(el('p', {}, el('a', {href: '/', text: '← all runs'})),
        el('p', {class: 'empty', id: 'no-run', text: (e.database || 'This database') + ' has no run \'' + name + '\'.'}),
        el('p', {}, el('a', {href: '/', text: 'See the runs it has'})));
      connection(true, 'no such run: nothing to update');
    });
  }

  // ---- the results browser: its state lives in the URL (?status=&q=&after=&record=) -------------------------------

  function resultsBrowser(host, name) {
    const params = () => new URLSearchParams(location.search);
    const statusSelect = el('select', {name: 'status', id: 'filter-status', 'aria-label': 'status'},
      el('option', {value: '', text: 'all records'}), el('option', {value: 'done', text: 'done'}),
      el('option', {value: 'failed', text: 'failed'}), el('option', {value: 'pending', text: 'pending'}),
      el('option', {value: 'wrong', text: 'wrong (scored)'}));
    const search = el('input', {type: 'search', name: 'q', id: 'filter-q', placeholder: 'id or text in input / answer'});
    const form = el('form', {class: 'filters', id: 'filters'}, el('label', {}, 'Show ', statusSelect), search,
      el('button', {type: 'submit', text: 'Search'}));
    const table = tableOf([
      {label: '#', num: true, value: r => r.seq + 1},
      {label: 'id', value: r => el('a', {href: '?' + withParams({record: r.id}), 'data-id': r.id,
        onclick: e => { e.preventDefault(); go({record: r.id}); }}, r.id)},
      {label: 'status', value: r => el('span', {class: 'status-' + r.status}, r.status)},
      {label: 'answer or error', text: true, value: r => r.answer ?? r.error},
      {label: 'latency', num: true, value: r => r.latency_ms === null ? '–' : fmt(r.latency_ms) + ' ms'},
      {label: 'score', num: true, value: r => r.score === null ? '–' : (r.score ? 'right' : 'wrong')}],
    'No records match.');
    const pageInfo = el('span', {class: 'hint', id: 'page-info'});
    const first = el('a', {href: '#', id: 'first-page', text: '« first page'});
    const next = el('a', {href: '#', id: 'next-page', text: 'next page »'});
    const detail = el('div', {id: 'record'});
    host.append(el('h2', {text: 'Results'}),
      el('p', {class: 'hint', text: 'Every record of the run in input order. Filter by status, search ids and text, and open a record to see what was sent and what came back.'}),
      form, table.node, el('div', {class: 'pager'}, first, next, pageInfo), detail);

    function withParams(changes) {
      const p = params();
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === undefined || v === '') p.delete(k); else p.set(k, v);
      }
      return p.toString();
    }

    function go(changes) {
      history.pushState(null, '', location.pathname + '?' + withParams(changes));
      load();
    }

    form.addEventListener('submit', e => {
      e.preventDefault();
      go({status: statusSelect.value, q: search.value, after: null, record: null});
    });
    first.addEventListener('click', e => { e.preventDefault(); go({after: null}); });
    window.addEventListener('popstate', () => load());

    async function load() {
      const p = params();
      statusSelect.value = p.get('status') || '';
      if (document.activeElement !== search) search.value = p.get('q') || '';
      const api = new URLSearchParams({limit: PAGE_SIZE});
      for (const k of ['status', 'q', 'after']) if (p.get(k)) api.set(k, p.get(k));
      let page;
      try {
        page = await getJson('/api/runs/' + segment(name) + '/records?' + api);
      } catch (e) {
        if (e.status !== 400) throw e;
        // A filter the run cannot answer (wrong, unscored): say why in place of the rows, not the last page's rows
        table.update([], e.message + '.');
        first.hidden = !p.get('after');
        next.hidden = true;
        setText(pageInfo, '');
        return;
      }
      table.update(page.records, 'No records match.');
      first.hidden = !p.get('after');
      next.hidden = page.next === null;
      if (page.next !== null) {
        next.setAttribute('href', '?' + withParams({after: page.next}));
        next.onclick = e => { e.preventDefault(); go({after: page.next}); };
      }
      const shown = page.records.length === 0 ? '' : 'records ' + fmt(page.records[0].seq + 1) + '–'
        + fmt(page.records[page.records.length - 1].seq + 1) + ' of the input';
      // A search reads a span of the input per page: say how far it got, and let "next page" search on.
      const searched = page.searched_through == null ? '' : 'searched ' + fmt(page.searched_through + 1)
        + ' of ' + fmt(page.last_seq + 1) + ' records' + (page.next !== null ? ', more…' : '');
      setText(pageInfo, [shown, searched].filter(t => t).join(' · '));
      next.textContent = page.records.length === 0 && page.next !== null ? 'search further »' : 'next page »';
      const record = p.get('record');
      if (!record) {
        detail.replaceChildren();
      } else if (detail.dataset.shown !== record || !detail.dataset.final) {
        const d = await getJson('/api/runs/' + segment(name) + '/records/' + segment(record));
        detail.dataset.shown = record;
        detail.dataset.final = d.status !== 'pending' ? '1' : '';
        detail.replaceChildren(recordDetail(d));
        if (detail.scrollIntoView) detail.scrollIntoView();
      }
    }
    load().catch(e => connection(false, e.message));
    return () => load().catch(e => connection(false, e.message));
  }

  function recordDetail(d) {
    const block = (label, hint, text) => text === null || text === undefined || text === '' ? null
      : [el('dt', {title: hint}, label), el('dd', {}, el('pre', {class: 'field-' + label.replace(/\W+/g, '-')}, text))];
    let input = d.input;
    try { input = JSON.stringify(JSON.parse(d.input), null, 2); } catch (e) { /* shown as stored */ }
    return el('div', {class: 'detail'},
      el('h2', {}, 'Record ', el('span', {id: 'record-id', text: d.id}), ' ',
        el('span', {class: 'status-' + d.status, text: '(' + d.status + ')'})),
      el('p', {class: 'hint', text: 'Line ' + d.line + ' of the input'
        + (d.latency_ms !== null ? ' · answered in ' + fmt(d.latency_ms) + ' ms after ' + d.attempts + ' attempt(s)' : '')
        + (d.finish_reason ? ' · finish reason ' + d.finish_reason : '')
        + (d.prompt_tokens !== null ? ' · tokens ' + d.prompt_tokens + ' in, ' + d.completion_tokens + ' out' : '')
        + (d.label !== null ? ' · label ' + d.label + ' · ' + (d.score ? 'right' : 'wrong') : '')}),
      el('dl', {},
        block('input', 'the record as read from the dataset', input),
        block('prompt', 'what was sent to the model', d.prompt),
        block('answer', 'what the model answered', d.answer),
        block('reasoning', 'the reasoning the server returned beside the answer', d.reasoning),
        block('refusal', 'the model refused', d.refusal),
        block('error', 'why the record failed', d.error_kind ? d.error_kind + ': ' + (d.error || '') : d.error)));
  }

  // ---- compare -----------------------------------------------------------------------------------------------------

  function comparePage() {
    const p = new URLSearchParams(location.search);
    const a = p.get('a');
    const b = p.get('b');
    document.title = 'compare · stride';
    main.replaceChildren(el('p', {}, el('a', {href: '/', text: '← all runs'})),
      el('h1', {text: 'Two runs side by side'}),
      el('p', {class: 'hint', text: 'Each run\'s own accuracy over every record it answered (once scored with stride score), and the records both answered, but differently.'}));
    if (!a || !b) {
      main.appendChild(el('p', {class: 'empty', text: 'Name two runs: /compare?a=RUN&b=RUN, or pick them on the runs list.'}));
      return;
    }
    const sides = el('div', {class: 'side'});
    const diffs = tableOf([
      {label: '#', num: true, value: r => r.seq + 1},
      {label: 'id', value: r => el('a', {href: runHref(a) + '?record=' + encodeURIComponent(r.id)}, r.id)},
      {label: 'answer of A', text: true, value: r => r.answer_a},
      {label: 'A', value: r => r.correct_a === null ? '–' : (r.correct_a ? 'right' : 'wrong')},
      {label: 'answer of B', text: true, value: r => r.answer_b},
      {label: 'B', value: r => r.correct_b === null ? '–' : (r.correct_b ? 'right' : 'wrong')}],
    'No records listed.');
    const more = el('a', {id: 'next-page', text: 'next page »'});
    const only = p.get('only') || 'differ';
    const kinds = [['differ', 'answers differ'], ['a_right', 'A right, B wrong'], ['b_right', 'A wrong, B right'],
      ['both_wrong', 'both wrong']];
    const onlySelect = el('select', {name: 'only', id: 'compare-only', 'aria-label': 'which records'},
      ...kinds.map(([value, text]) => el('option', {value: value, text: text})));
    onlySelect.value = only;
    const filter = el('form', {action: '/compare', method: 'get', class: 'filters', id: 'compare-filter'},
      el('input', {type: 'hidden', name: 'a', value: a}), el('input', {type: 'hidden', name: 'b', value: b}),
      el('label', {}, 'Show ', onlySelect), el('button', {type: 'submit', text: 'Show'}));
    const searched = el('span', {class: 'hint', id: 'compare-searched'});
    const scoredBy = el('p', {class: 'hint', id: 'compare-metric'});
    main.append(sides, el('h2', {text: 'Records where they differ'}),
      scoredBy, filter, diffs.node, el('div', {class: 'pager'}, more, searched));
    const after = p.get('after');
    getJson('/api/compare?' + new URLSearchParams(Object.assign({a: a, b: b, only: only, limit: PAGE_SIZE},
      after ? {after: after} : {}))).then(data => {
      // One scoring for the accuracies and every right/wrong below: the one stride compare takes
      // The accuracies are each run's own; stride compare's are over the records both answered, so they may differ
      setText(scoredBy, data.metric !== null ? 'Right and wrong by metric ' + data.metric + ', label field '
        + data.label_field + ' (as stride compare takes them). The accuracies above are each run\'s own, over every'
        + ' record it answered; stride compare gives them over the records both answered.'
        : 'No right or wrong: ' + data.no_scoring + '.');
      for (const [label, run] of [['A', data.a], ['B', data.b]]) {
        const best = run.score;
        sides.appendChild(el('div', {class: 'card', id: 'side-' + label},
          el('div', {class: 'k', text: 'run ' + label}),
          el('div', {class: 'v'}, el('a', {href: runHref(run.name)}, run.name)),
          el('div', {text: 'model ' + run.model}),
          el('div', {class: 'accuracy', text: best ? 'accuracy ' + (best.accuracy * 100).toFixed(1) + '% ('
            + fmt(best.correct) + ' of its own ' + fmt(best.scored) + ' scored, ' + best.metric + ')'
            : run.scores.length ? 'not scored the way the other run is' : 'not scored yet'}),
          el('div', {text: fmt(run.done) + ' done, ' + fmt(run.failed) + ' failed, ' + fmt(run.pending) + ' pending'})));
      }
      diffs.update(data.differences, nothingListed(data));
      more.hidden = data.next === null;
      if (data.next !== null) {
        more.setAttribute('href', '/compare?' + new URLSearchParams({a: a, b: b, only: only, after: data.next}));
        more.textContent = data.differences.length === 0 ? 'look further »' : 'next page »';
      }
      setText(searched, 'searched ' + fmt(data.searched_through + 1) + ' of ' + fmt(data.last_seq + 1)
        + ' records of A, ' + fmt(data.answered_by_both) + ' answered by both' + (data.next !== null ? ', more…' : ''));
      connection(true, '');
    }).catch(e => {
      if (e.status === 404) {
        // A name mistyped or a run cleared: say which, as a run's page does, not an empty table of differences
        const missing = e.message.replace(/^no run named '(.*)'$/s, '$1');
        main.replaceChildren(el('p', {}, el('a', {href: '/', text: '← all runs'})),
          el('p', {class: 'empty', id: 'no-run', text: (e.database || 'This database') + ' has no run \'' + missing
            + '\': nothing to compare.'}),
          el('p', {}, el('a', {href: '/', text: 'See the runs it has'})));
        connection(true, 'no such run: nothing to update');
        return;
      }
      // Not a table that reads as "no differences": what went wrong, in its place
      diffs.node.replaceWith(el('p', {class: 'empty', id: 'compare-error', text: e.message}));
      more.hidden = true;
      connection(false, 'cannot compare now (' + e.message + '); reload the page to try again');
    });

    // Why nothing is listed: no record both answered is nothing to compare, as stride compare says, not "alike"
    function nothingListed(data) {
      const from = after ? Number(after) + 2 : 1;
      const span = from === 1 && data.next === null ? '' : ' among records ' + fmt(from) + '–'
        + fmt(data.searched_through + 1) + ' of A';
      const further = data.next !== null ? ' Look further.' : '';
      if (data.answered_by_both === 0) {
        return span === '' ? '\'' + a + '\' and \'' + b + '\' have no answered record in common: nothing to'
          + ' compare. Compare two runs over the same input once both have answers.'
          : 'No record both runs answered' + span + '.' + further;
      }
      const both = fmt(data.answered_by_both) + ' records both answered' + span;
      if (only === 'differ') return 'The two runs answered alike all ' + both + '.' + further;
      const kind = kinds.find(([value]) => value === only)[1];
      return 'None of the ' + both + ' is "' + kind + '"'
        + (data.metric === null ? ': right and wrong cannot be told (see above).' : '.') + further;
    }
  }

  // ---- the report: everything from the embedded JSON, nothing fetched ---------------------------------------------

  function reportPage() {
    document.title = 'stride report';
    const list = runsView(report.runs, true);
    main.replaceChildren(el('p', {class: 'hint', text: 'A stride report made ' + when(report.generated_at)
      + (report.database ? ' from ' + report.database : '') + '. It holds its data and opens offline.'}), list.node);
    for (const detail of report.details) {
      const section = el('section', {class: 'report-run', id: 'run-' + encodeURIComponent(detail.run.name)});
      main.appendChild(section);
      runSummary(section, detail, true);
      if (detail.problems) section.appendChild(problemsOf(detail.problems));
    }
  }

  // What failed and what was answered wrong, in full, as text: a mailed report shows what went wrong.
  function problemsOf(problems) {
    const node = el('div', {class: 'problems'});
    for (const [kind, title] of [['failed', 'Records that failed'], ['wrong', 'Records answered wrong']]) {
      const rows = problems[kind];
      if (!rows || rows.length === 0) continue;
      const table = tableOf([
        {label: '#', num: true, value: r => r.seq + 1},
        {label: 'id', text: true, value: r => r.id},
        {label: 'input', text: true, value: r => r.input},
        {label: kind === 'failed' ? 'error' : 'answer', text: true,
          value: r => kind === 'failed' ? (r.error_kind || '') + ': ' + (r.error || '') : r.answer},
        {label: kind === 'failed' ? 'attempts' : 'label', value: r => kind === 'failed' ? r.attempts : r.label}], '');
      table.update(rows);
      const by = kind === 'wrong' && problems.wrong_metric
        ? ' by metric ' + problems.wrong_metric + ', label field ' + problems.wrong_label_field : '';
      node.append(el('h3', {text: title + by + (problems[kind + '_more'] ? ' (the first ' + fmt(problems.limit) + ')' : '')}),
        table.node);
    }
    return node;
  }

  // ---- routing -----------------------------------------------------------------------------------------------------

  function start() {
    if (report) {
      reportPage();
      return;
    }
    const path = location.pathname;
    if (path.startsWith('/runs/')) {
      runPage(nameOf(path.substring('/runs/'.length)));
    } else if (path === '/compare') {
      comparePage();
    } else {
      let view = null;
      poll(async () => {
        const data = await getJson('/api/runs');
        if (!view) {
          view = runsView(data, false);
          main.replaceChildren(view.node);
        } else {
          view.update(data);
        }
        // Keep polling: a run may start at any time; the list is one cheap query.
      }, () => LIVE);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
