// Runs a model in ONNX Runtime (onnxruntime-node, CPU) on tensors given as .npy files: fxq's tests and
// benchmarks use it as the reference engine.
//
// usage: node run_ort.js MODEL.onnx CASES_DIR [--threads N] [--time REPS] [--opt all|disabled] [--out NAME]
//   CASES_DIR/<case>/inputs/<input name>.npy  ->  CASES_DIR/<case>/<NAME, default ort>/<output index>.npy
//   (outputs in the order of the model's graph outputs; names in CASES_DIR/ort_outputs.json)
// With --time REPS: every case is also run REPS more times after warm-up runs (at least 20 and 0.3 s), and the median and
// spread of session.run (ms) is printed as JSON on stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const DTYPES = { '<f4': ['float32', Float32Array, 4], '<i8': ['int64', BigInt64Array, 8], '<i4': ['int32', Int32Array, 4],
                 '|u1': ['uint8', Uint8Array, 1], '|i1': ['int8', Int8Array, 1], '|b1': ['bool', Uint8Array, 1] };

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Ctor, width] = DTYPES[descr] || (() => { throw new Error(`${file}: dtype ${descr}`); })();
  const n = shape.reduce((a, c) => a * c, 1);
  const bytes = b.subarray(start + hlen, start + hlen + n * width);
  const data = new Ctor(new Uint8Array(bytes).buffer, 0, n);
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data) : data, shape);
}

function writeNpy(file, tensor) {
  const descr = { float32: '<f4', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', bool: '|b1' }[tensor.type];
  if (!descr) throw new Error(`output type ${tensor.type} not supported`);
  const dims = tensor.dims.map(Number);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1'); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
  const [model, casesDir] = args;
  if (!model || !casesDir) { console.error('usage: node run_ort.js MODEL.onnx CASES_DIR [--threads N] [--time REPS]'); process.exit(2); }
  const threads = Number(opt('--threads', 1)), reps = Number(opt('--time', 0));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: opt('--opt', 'all'), logSeverityLevel: 3 });
  fs.writeFileSync(path.join(casesDir, 'ort_outputs.json'), JSON.stringify(session.outputNames));
  const cases = fs.readdirSync(casesDir).filter(d => fs.existsSync(path.join(casesDir, d, 'inputs'))).sort();
  const feeds = cases.map(c => {
    const feed = {};
    for (const name of session.inputNames) feed[name] = readNpy(path.join(casesDir, c, 'inputs', `${name}.npy`));
    return feed;
  });
  for (let k = 0; k < cases.length; k++) {
    const out = await session.run(feeds[k]);
    const dir = path.join(casesDir, cases[k], opt('--out', 'ort'));
    fs.mkdirSync(dir, { recursive: true });
    session.outputNames.forEach((name, i) => writeNpy(path.join(dir, `${i}.npy`), out[name]));
  }
  if (reps > 0) {
    const warmUntil = Date.now() + 300;
    for (let w = 0; w < 20 || Date.now() < warmUntil; w++) await session.run(feeds[w % feeds.length]);
    const ms = [];
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds[r % feeds.length]);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    console.log(JSON.stringify({ threads, runs: reps, median_ms: ms[reps >> 1], min_ms: ms[0], max_ms: ms[reps - 1],
                                 p10_ms: ms[Math.floor(reps * 0.1)], p90_ms: ms[Math.floor(reps * 0.9)] }));
  }
}
main().catch(e => { console.error(`run_ort.js: ${e.message}`); process.exit(1); });
