// The page of ./nabla serve: draw or drop an image, see the model's top classes, tell it whether it
// was right, and watch the quality (from that feedback) and the traffic (from /metrics) live.
// Plain JavaScript, no build step: the server ships this file as it is.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  models: [],
  model: null,      // the entry of /v1/models being shown
  source: null,     // an Image of the model's size, or null for the drawing pad
  drawn: false,
  last: null,       // the last prediction: {id, class}
  metrics: [],      // recent /metrics samples: {t, requests, errors, buckets, batchSum, batchCount}
  rates: [],
};

// ----------------------------------------------------------------------------- models

async function loadModels() {
  const r = await fetch('v1/models');
  const body = await r.json();
  state.models = body.models;
  const select = $('model');
  select.innerHTML = '';
  for (const m of state.models) {
    const o = document.createElement('option');
    o.value = m.name;
    o.textContent = m.name;
    select.appendChild(o);
  }
  select.onchange = () => setModel(state.models.find((m) => m.name === select.value));
  if (state.models.length) setModel(state.models[0]);
}

function setModel(m) {
  state.model = m;
  state.last = null;
  const [c, h, w] = m.input_shape;
  $('model-info').textContent = `${m.architecture}, version ${m.default_version}, ${c}\u00d7${h}\u00d7${w}, ${m.class_names.length} classes`;
  const preview = $('preview');
  preview.width = w;
  preview.height = h;
  $('preview-size').textContent = `${w}\u00d7${h} as the model sees it`;
  const chips = $('fb-classes');
  chips.innerHTML = '';
  m.class_names.forEach((name, k) => {
    const b = document.createElement('button');
    b.textContent = name;
    b.onclick = () => feedback(k);
    chips.appendChild(b);
  });
  $('result').hidden = true;
  updatePreview();
  refreshQuality();
}

// ----------------------------------------------------------------------------- input: drawing and images

const sketch = $('sketch');
const pad = sketch.getContext('2d');

function clearPad() {
  pad.fillStyle = '#000';
  pad.fillRect(0, 0, sketch.width, sketch.height);
  state.source = null;
  state.drawn = false;
  updatePreview();
}

function padPoint(e) {
  const r = sketch.getBoundingClientRect();
  return [(e.clientX - r.left) * sketch.width / r.width, (e.clientY - r.top) * sketch.height / r.height];
}

let drawing = false;
sketch.addEventListener('pointerdown', (e) => {
  if (state.source) clearPad();
  drawing = true;
  sketch.setPointerCapture(e.pointerId);
  const [x, y] = padPoint(e);
  pad.strokeStyle = '#fff';
  pad.lineWidth = 22;
  pad.lineCap = 'round';
  pad.lineJoin = 'round';
  pad.beginPath();
  pad.moveTo(x, y);
  pad.lineTo(x + 0.1, y + 0.1);
  pad.stroke();
});
sketch.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const [x, y] = padPoint(e);
  pad.lineTo(x, y);
  pad.stroke();
  state.drawn = true;
  updatePreview();
});
sketch.addEventListener('pointerup', () => {
  drawing = false;
  if (state.drawn) predict();
});

function loadFile(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const img = new Image();
    img.onload = () => {
      state.source = img;
      // Shown scaled up on the pad; sent at the model's size (unscaled when it already has it).
      pad.fillStyle = '#000';
      pad.fillRect(0, 0, sketch.width, sketch.height);
      const s = Math.min(sketch.width / img.width, sketch.height / img.height);
      pad.imageSmoothingEnabled = img.width > sketch.width;
      pad.drawImage(img, (sketch.width - img.width * s) / 2, (sketch.height - img.height * s) / 2, img.width * s, img.height * s);
      updatePreview();
      predict();
    };
    img.onerror = () => showError(`${file.name} is not an image the browser can read`);
    img.src = reader.result;
  };
  reader.readAsDataURL(file);
}

$('file').addEventListener('change', (e) => loadFile(e.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  loadFile(e.dataTransfer.files[0]);
});
$('clear').onclick = () => { clearPad(); $('result').hidden = true; };
$('predict').onclick = () => predict();

/** Draws the input at the model's size into the preview: exactly what is sent. */
function updatePreview() {
  const preview = $('preview');
  const ctx = preview.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, preview.width, preview.height);
  const src = state.source || sketch;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  if (state.source && src.width === preview.width && src.height === preview.height) {
    ctx.drawImage(src, 0, 0);
  } else if (state.source) {
    const s = Math.min(preview.width / src.width, preview.height / src.height);
    ctx.drawImage(src, (preview.width - src.width * s) / 2, (preview.height - src.height * s) / 2, src.width * s, src.height * s);
  } else {
    ctx.drawImage(src, 0, 0, preview.width, preview.height);
  }
}

// ----------------------------------------------------------------------------- predict and feedback

async function predict() {
  if (!state.model) return;
  updatePreview();
  const b64 = $('preview').toDataURL('image/png').split(',')[1];
  const k = Math.min(5, state.model.class_names.length);
  const t0 = performance.now();
  const r = await fetch(`v1/models/${encodeURIComponent(state.model.name)}:predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ instances: [{ b64 }], top_k: k }),
  });
  const body = await r.json();
  if (!r.ok) return showError(body.error || `HTTP ${r.status}`);
  $('error').hidden = true;
  const p = body.predictions[0];
  state.last = { id: p.id, class: p.class };
  $('top-label').textContent = p.label;
  $('top-prob').textContent = pct(p.probability);
  $('latency').textContent = `${Math.round(performance.now() - t0)} ms, version ${body.model_version}`;
  const list = $('topk');
  list.innerHTML = '';
  for (const t of p.top_k) {
    const li = document.createElement('li');
    li.innerHTML = `<span class="label"></span><span class="bar"><span style="width:${(100 * t.probability).toFixed(1)}%"></span></span><span class="num">${pct(t.probability)}</span>`;
    li.querySelector('.label').textContent = t.label;
    list.appendChild(li);
  }
  $('fb-done').textContent = '';
  setFeedbackEnabled(true);
  $('result').hidden = false;
}

async function feedback(label) {
  if (!state.last) return;
  setFeedbackEnabled(false);
  const r = await fetch(`v1/models/${encodeURIComponent(state.model.name)}:feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ feedback: [{ id: state.last.id, label }] }),
  });
  const body = await r.json();
  $('fb-done').textContent = r.ok ? 'recorded, thank you' : body.error;
  state.last = null;
  refreshQuality();
}
$('fb-yes').onclick = () => state.last && feedback(state.last.class);

function setFeedbackEnabled(on) {
  document.querySelectorAll('.feedback button').forEach((b) => { b.disabled = !on; });
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

// ----------------------------------------------------------------------------- quality

async function refreshQuality() {
  if (!state.model) return;
  const r = await fetch(`v1/models/${encodeURIComponent(state.model.name)}/quality`);
  if (!r.ok) return;
  const q = (await r.json()).versions[0];
  if (!q) return;
  $('q-accuracy').textContent = q.accuracy == null ? '\u2013' : pct(q.accuracy);
  $('q-f1').textContent = q.macro_f1 == null ? '\u2013' : q.macro_f1.toFixed(3);
  $('q-count').textContent = q.feedback.toLocaleString();
  const table = $('q-classes');
  table.innerHTML = '<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th></th><th>support</th></tr>';
  for (const c of q.classes) {
    const tr = document.createElement('tr');
    const f1 = c.f1 == null ? 0 : c.f1;
    tr.innerHTML = `<td></td><td>${num(c.precision)}</td><td>${num(c.recall)}</td><td>${num(c.f1)}</td>`
      + `<td><span class="f1" style="width:${(60 * f1).toFixed(0)}px"></span></td><td>${c.support}</td>`;
    tr.firstChild.textContent = c.label;
    table.appendChild(tr);
  }
  const names = q.classes.map((c) => c.label);
  const max = Math.max(1, ...q.confusion.flat());
  const cm = $('q-confusion');
  cm.innerHTML = '';
  const head = document.createElement('tr');
  head.appendChild(document.createElement('th'));
  names.forEach((n) => { const th = document.createElement('th'); th.textContent = n; head.appendChild(th); });
  cm.appendChild(head);
  q.confusion.forEach((row, i) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = names[i];
    tr.appendChild(th);
    row.forEach((v, j) => {
      const td = document.createElement('td');
      td.textContent = v || '';
      const a = v / max;
      td.style.background = v ? (i === j ? `rgba(44,160,44,${0.15 + 0.75 * a})` : `rgba(214,39,40,${0.15 + 0.75 * a})`) : '';
      td.style.color = a > 0.6 ? '#fff' : '';
      tr.appendChild(td);
    });
    cm.appendChild(tr);
  });
}

// ----------------------------------------------------------------------------- traffic, from /metrics

/** Parses the Prometheus text format into [{name, labels, value}]. */
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const l of m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: parseFloat(m[3]) });
  }
  return out;
}

function sample(metrics, model) {
  const s = { t: performance.now() / 1000, requests: 0, errors: 0, buckets: new Map(), batchSum: 0, batchCount: 0 };
  for (const m of metrics) {
    if (m.labels.model !== model) continue;
    if (m.name === 'nabla_requests_total' && m.labels.api === 'predict') {
      s.requests += m.value;
      if (!m.labels.status.startsWith('2')) s.errors += m.value;
    } else if (m.name === 'nabla_request_duration_seconds_bucket' && m.labels.api === 'predict') {
      const le = m.labels.le === '+Inf' ? Infinity : parseFloat(m.labels.le);
      s.buckets.set(le, (s.buckets.get(le) || 0) + m.value);
    } else if (m.name === 'nabla_batch_size_sum') {
      s.batchSum += m.value;
    } else if (m.name === 'nabla_batch_size_count') {
      s.batchCount += m.value;
    }
  }
  return s;
}

/** The q-quantile of the requests between two samples, interpolated within its histogram bucket. */
function quantile(a, b, q) {
  const bounds = [...b.buckets.keys()].sort((x, y) => x - y);
  const total = (b.buckets.get(Infinity) || 0) - (a.buckets.get(Infinity) || 0);
  if (total <= 0) return null;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const count = (b.buckets.get(le) || 0) - (a.buckets.get(le) || 0);
    if (count >= q * total) {
      if (le === Infinity) return prevBound;
      return prevBound + (le - prevBound) * (q * total - prevCount) / Math.max(1e-9, count - prevCount);
    }
    prevBound = le;
    prevCount = count;
  }
  return null;
}

async function refreshTraffic() {
  if (!state.model) return;
  const r = await fetch('metrics');
  if (!r.ok) return;
  const s = sample(parseMetrics(await r.text()), state.model.name);
  state.metrics.push(s);
  while (state.metrics.length > 4) state.metrics.shift(); // a window of about 6 seconds
  const a = state.metrics[0];
  if (a !== s && s.t > a.t) {
    const rate = (s.requests - a.requests) / (s.t - a.t);
    state.rates.push((s.requests - state.metrics[state.metrics.length - 2].requests)
      / (s.t - state.metrics[state.metrics.length - 2].t));
    while (state.rates.length > 90) state.rates.shift();
    $('t-rate').textContent = rate.toFixed(rate < 10 ? 1 : 0);
    const p50 = quantile(a, s, 0.5);
    const p99 = quantile(a, s, 0.99);
    $('t-p50').textContent = p50 == null ? '\u2013' : ms(p50);
    $('t-p99').textContent = p99 == null ? '\u2013' : ms(p99);
    const batches = s.batchCount - a.batchCount;
    $('t-batch').textContent = batches > 0 ? ((s.batchSum - a.batchSum) / batches).toFixed(1) : '\u2013';
  }
  $('t-errors').textContent = s.errors.toLocaleString();
  drawRates();
}

function drawRates() {
  const c = $('t-chart');
  const w = c.clientWidth || c.width;
  c.width = w * devicePixelRatio;
  c.height = 120 * devicePixelRatio;
  const g = c.getContext('2d');
  g.scale(devicePixelRatio, devicePixelRatio);
  g.clearRect(0, 0, w, 120);
  g.strokeStyle = '#e3e6eb';
  g.beginPath();
  g.moveTo(0, 119.5);
  g.lineTo(w, 119.5);
  g.stroke();
  const max = Math.max(1, ...state.rates);
  const step = w / 90;
  g.fillStyle = 'rgba(31,119,180,0.75)';
  state.rates.forEach((v, i) => {
    const h = 110 * v / max;
    g.fillRect(w - (state.rates.length - i) * step + 1, 119 - h, step - 2, h);
  });
  g.fillStyle = '#6b7280';
  g.font = '11px system-ui, sans-serif';
  g.fillText(`${max.toFixed(max < 10 ? 1 : 0)} req/s`, 4, 12);
}

async function refreshReady() {
  try {
    const r = await fetch('ready');
    const body = await r.json();
    $('ready').textContent = body.status;
    $('ready').className = 'pill ' + (r.ok ? 'ok' : 'bad');
  } catch (e) {
    $('ready').textContent = 'unreachable';
    $('ready').className = 'pill bad';
  }
}

const pct = (p) => `${(100 * p).toFixed(p > 0.999 || p < 0.001 ? 2 : 1)}%`;
const num = (v) => (v == null ? '\u2013' : v.toFixed(3));
const ms = (s) => (s < 0.01 ? `${(1000 * s).toFixed(1)} ms` : `${Math.round(1000 * s)} ms`);

clearPad();
loadModels().then(() => { refreshTraffic(); });
refreshReady();
setInterval(refreshReady, 5000);
setInterval(refreshTraffic, 2000);
setInterval(refreshQuality, 4000);
