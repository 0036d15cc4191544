// hwcov's browser page. hwcov serves it at /jobs/<token>/ on 127.0.0.1 and
// opens it in a fresh browser context; the page fetches job.json, does the
// job and POSTs one JSON object to result. Nothing here reaches the network:
// onnxruntime-web comes from /ort/ (node_modules, served by hwcov).
//
// A "run" job: create an InferenceSession on the job's execution provider
// with verbose session logging (the node placement log), run it once (first
// run: shader compilation, graph build), warmup-1 more times, then
// `iterations` timed runs; post outputs (base64 little-endian bytes), timings
// and the placement log lines. A "probe" job: say whether this browser can
// create a WebGPU adapter / WebNN context, and describe it.

const token = location.pathname.split('/')[2];
const placementLines = []; // what the Go side parses: placement and capability lines
const tailLines = []; // the last log lines, for error reports
const PLACEMENT = /VerifyEachNodeIsAssignedToAnEp|GetCapability|GetSupportedNodes|kernel not found/;
let phase = 'loading';

// Capture onnxruntime's log before it loads (it writes through console.*).
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    const line = args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
    if (PLACEMENT.test(line)) {
      placementLines.push(line);
    } else {
      tailLines.push(line);
      if (tailLines.length > 40) tailLines.shift();
    }
    original(...args);
  };
}

let lastPost = 0;
function setPhase(p) {
  phase = p;
  document.getElementById('status').textContent = p;
  // fire and forget: hwcov keeps the last phase to say where a test hung
  // (run i of n is posted at most every 200 ms, so long loops stay cheap)
  const now = performance.now();
  if (!p.startsWith('run ') || now - lastPost > 200) {
    lastPost = now;
    fetch('phase', { method: 'POST', body: p }).catch(() => {});
  }
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  bool: Uint8Array,
  float16: Uint16Array,
};

function bytesOf(data) {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function adapterInfo() {
  if (!navigator.gpu) return { available: false, error: 'navigator.gpu is missing (start the browser with --enable-unsafe-webgpu)' };
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return { available: false, error: 'navigator.gpu.requestAdapter() returned null' };
  const info = adapter.info || {};
  const fallback = info.isFallbackAdapter !== undefined ? info.isFallbackAdapter : !!adapter.isFallbackAdapter;
  const device = await adapter.requestDevice();
  const out = {
    available: true,
    vendor: info.vendor || '',
    architecture: info.architecture || '',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter: fallback,
    features: Array.from(adapter.features || []).sort(),
    maxBufferSize: Number(adapter.limits.maxBufferSize),
  };
  device.destroy();
  return out;
}

async function webnnInfo(deviceType) {
  if (!navigator.ml) return { available: false, error: 'navigator.ml is missing (start the browser with --enable-features=WebMachineLearningNeuralNetwork)' };
  try {
    const context = await navigator.ml.createContext({ deviceType });
    const out = { available: true, deviceType };
    if (context.opSupportLimits) {
      const limits = context.opSupportLimits();
      out.opCount = Object.keys(limits).length;
    }
    if (context.destroy) context.destroy();
    return out;
  } catch (e) {
    return { available: false, deviceType, error: String((e && e.message) || e) };
  }
}

async function describe(platform, job) {
  if (platform === 'webgpu') return adapterInfo();
  if (platform === 'webnn') return webnnInfo(job.webnnDeviceType || 'cpu');
  return { available: true };
}

function executionProvider(job) {
  if (job.platform === 'webnn') return { name: 'webnn', deviceType: job.webnnDeviceType || 'cpu' };
  return job.platform; // 'webgpu' or 'wasm'
}

async function runJob(job) {
  const result = { platform: job.platform, crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
  setPhase('adapter');
  result.adapter = await describe(job.platform, job);
  if (job.kind === 'probe') return result;
  if (!result.adapter.available) throw new Error(`${job.platform} is not available in this browser: ${result.adapter.error}`);

  setPhase('load onnxruntime-web');
  const ort = await import('/ort/ort.all.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.logLevel = 'warning'; // the default logger (per-kernel lines) stays quiet; the session logger below is verbose
  if (job.wasmThreads) ort.env.wasm.numThreads = job.wasmThreads;
  result.ortVersion = ort.env.versions ? ort.env.versions.web || ort.env.versions.common : '';

  setPhase('fetch model');
  const model = await (await fetch('model.onnx')).arrayBuffer();
  result.modelBytes = model.byteLength;

  setPhase('create session');
  let t0 = performance.now();
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [executionProvider(job)],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 0, // verbose: "Node placements" and the EP's GetCapability lines
    logVerbosityLevel: 0,
  });
  result.sessionMs = performance.now() - t0;
  result.inputNames = session.inputNames;
  result.outputNames = session.outputNames;

  const feeds = {};
  const byName = new Map(job.inputs.map((i) => [i.name, i]));
  for (const name of session.inputNames) {
    const spec = byName.get(name);
    if (!spec) throw new Error(`the model wants input ${name}, the job has ${[...byName.keys()].join(', ')}`);
    const Array_ = ARRAYS[spec.dtype];
    if (!Array_) throw new Error(`input ${name}: dtype ${spec.dtype} is not supported by the page`);
    const bytes = fromBase64(spec.data);
    feeds[name] = new ort.Tensor(spec.dtype, new Array_(bytes.buffer, 0, bytes.byteLength / Array_.BYTES_PER_ELEMENT), spec.shape);
  }
  result.unusedInputs = job.inputs.map((i) => i.name).filter((n) => !session.inputNames.includes(n));

  const runOptions = { logSeverityLevel: 3 };
  setPhase('first run');
  t0 = performance.now();
  let outputs = await session.run(feeds, runOptions);
  result.firstRunMs = performance.now() - t0;
  for (let i = 1; i < (job.warmup || 0); i++) {
    setPhase(`warmup ${i + 1} of ${job.warmup}`);
    outputs = await session.run(feeds, runOptions);
  }
  const samples = [];
  for (let i = 0; i < job.iterations; i++) {
    setPhase(`run ${i + 1} of ${job.iterations}`);
    t0 = performance.now();
    outputs = await session.run(feeds, runOptions);
    samples.push(performance.now() - t0);
  }
  result.samplesMs = samples;

  setPhase('read outputs');
  result.outputs = [];
  for (const name of session.outputNames) {
    const t = outputs[name];
    const data = t.location && t.location !== 'cpu' ? await t.getData() : t.data;
    result.outputs.push({ name, dtype: t.type, shape: t.dims.map(Number), data: toBase64(bytesOf(data)) });
  }
  await session.release();
  return result;
}

async function main() {
  let body;
  try {
    const job = await (await fetch('job.json')).json();
    body = await runJob(job);
  } catch (e) {
    body = { error: String((e && (e.stack || e.message)) || e), phase };
  }
  body.placementLog = placementLines;
  body.logTail = tailLines.slice(-20);
  setPhase('done');
  await fetch('result', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

main();
