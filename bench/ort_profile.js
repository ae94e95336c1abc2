// Per-node time of ONNX Runtime (onnxruntime-node, CPU) on one model, from ORT's own profiler: the
// counterpart of `fxq_bench_engine --profile` (bench/compare_profiles.py joins the two).
//
// usage: node bench/ort_profile.js MODEL.onnx [--runs 50] [--threads 1] [--warmup 10] [--opt all|disabled]
// Feeds a random float input of the model's input shape (dynamic dims set to 1), runs --warmup runs
// then --runs profiled runs, and prints JSON on stdout:
//   {model, threads, runs, total_us, run_us, nodes: [{name, op, us, shape}]}
// `us` is per node the minimum over the profiled runs of its "<node>_kernel_time" event, in the order
// ORT executes the nodes of its optimized graph (fused nodes, ReorderInput/ReorderOutput included);
// total_us is the sum of these minima, run_us the fastest whole session.run ("model_run"). The
// profile file ORT writes goes to a temporary directory that is removed afterwards.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
  const model = args[0];
  if (!model || model.startsWith('--')) {
    console.error('usage: node bench/ort_profile.js MODEL.onnx [--runs 50] [--threads 1] [--warmup 10]');
    process.exit(2);
  }
  const runs = Number(opt('--runs', 50)), threads = Number(opt('--threads', 1)), warmup = Number(opt('--warmup', 10));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-profile-'));
  try {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
      graphOptimizationLevel: opt('--opt', 'all'), logSeverityLevel: 3,
      enableProfiling: true, profileFilePrefix: path.join(tmp, 'ort') });
    const feed = {};
    session.inputMetadata.forEach((m, i) => {
      if (m.type !== 'float32') throw new Error(`input ${m.name} is ${m.type}, only float32 inputs supported`);
      const dims = m.shape.map(d => (typeof d === 'number' && d > 0 ? d : 1));
      const data = new Float32Array(dims.reduce((a, c) => a * c, 1));
      for (let k = 0; k < data.length; k++) data[k] = Math.random();
      feed[session.inputNames[i]] = new ort.Tensor('float32', data, dims);
    });
    for (let r = 0; r < warmup + runs; r++) await session.run(feed);
    session.endProfiling();
    const file = fs.readdirSync(tmp).find(f => f.endsWith('.json'));
    if (!file) throw new Error('ORT wrote no profile file');
    const events = JSON.parse(fs.readFileSync(path.join(tmp, file), 'utf8'));

    // Profiled runs: the last `runs` model_run events; node events are assigned to the run containing them.
    const runEv = events.filter(e => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(-runs);
    const nodes = new Map();  // key -> {name, op, shape, us}; key disambiguates repeated names within a run
    for (const run of runEv) {
      const seen = new Map();
      const inRun = events.filter(e => e.cat === 'Node' && e.name.endsWith('_kernel_time') &&
                                       e.ts >= run.ts && e.ts <= run.ts + run.dur).sort((a, b) => a.ts - b.ts);
      for (const e of inRun) {
        const name = e.name.slice(0, -'_kernel_time'.length);
        const k = (seen.get(name) || 0) + 1;
        seen.set(name, k);
        const key = k > 1 ? `${name}#${k}` : name;
        const shape = ((e.args.output_type_shape || [])[0] || {});
        const prev = nodes.get(key);
        if (!prev) nodes.set(key, { name: key, op: e.args.op_name, us: e.dur, shape: Object.values(shape)[0] || null });
        else prev.us = Math.min(prev.us, e.dur);
      }
    }
    const list = [...nodes.values()];
    console.log(JSON.stringify({
      model, threads, runs: runEv.length, total_us: list.reduce((a, n) => a + n.us, 0),
      run_us: Math.min(...runEv.map(e => e.dur)), nodes: list }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch(e => { console.error(`ort_profile.js: ${e.message}`); process.exit(1); });
