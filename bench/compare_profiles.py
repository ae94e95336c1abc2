#!/usr/bin/env python3
"""Per-node time of fxq's float engine next to ONNX Runtime's, for one model, as a Markdown report.

usage: python3 bench/compare_profiles.py MODEL.onnx [--threads 1] [--reps 20] [--runs 50] [--top 25]

Runs `FXQ_PROFILE_ALL=1 $FXQ_BUILD/bench/fxq_bench_engine --profile MODEL REPS THREADS` (FXQ_BUILD
defaults to build-native, relative to the repo) and `node bench/ort_profile.js MODEL --runs RUNS
--threads THREADS`; both give per node the fastest run. fxq prints ms with 3 decimals, so its
per-node times are rounded to 1 us.

Both engines fuse nodes (fxq: a fused node shows 0 us; ORT: the fused node is missing from its
profile and the survivor is renamed, e.g. "<output tensor>_nchwc" or "<node>/QuickGeluFusion/").
So the join is done on groups of the model's ONNX nodes: each ORT node is mapped to an ONNX node by
node name or output-tensor name (after stripping "_nchwc", "#k" and "/...Fusion" suffixes); each ONNX
node ORT does not run is put in the group of the node it was fused with (a Conv/Gemm/MatMul with
its sole consumer, another op with the sole-consumer producer of one of its inputs, else with its
sole consumer; a neighbour already in the node's group is skipped, so an unrun chain such as
Conv -> Add(bias) joins the Relu ORT fused it into). fxq's own Conv+activation fusions (0 us nodes)
are grouped the same way, e.g. Conv+Sigmoid+Mul (SiLU) against ORT's Conv + QuickGelu. fxq's node
times are summed per group. ORT's ReorderInput/ReorderOutput nodes (NCHWc layout changes) are rows
of their own; ORT nodes that match nothing are listed as unmatched. Convs are labelled with their
kernel from the weight's dims: "Conv(1x1)", "Conv(dw3x3/s2)" (dw: group > 1).
The ONNX graph is read with a minimal protobuf decoder (standard library only).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEADERS = {'Conv', 'ConvTranspose', 'Gemm', 'MatMul'}


def pb_fields(b):
    """(field number, value) of a protobuf message; value is bytes for length-delimited fields."""
    def varint(i):
        r = s = 0
        while True:
            c = b[i]
            r, s, i = r | (c & 0x7F) << s, s + 7, i + 1
            if c < 0x80:
                return r, i
    i = 0
    while i < len(b):
        key, i = varint(i)
        wire = key & 7
        if wire == 0:
            v, i = varint(i)
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            v, i = b[i:i + n], i + n
        elif wire == 2:
            n, i = varint(i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError('unsupported protobuf wire type %d' % wire)
        yield key >> 3, v


def pb_ints(values):
    """The integers of a repeated int64 field, from its values as pb_fields gives them (ints or packed bytes)."""
    out = []
    for v in values:
        if isinstance(v, int):
            out.append(v)
            continue
        r = s = 0
        for c in v:
            r, s = r | (c & 0x7F) << s, s + 7
            if c < 0x80:
                out.append(r)
                r = s = 0
    return out


def onnx_nodes(path):
    """The main graph's nodes in file order: [{name, op, inputs, outputs, kind}] (ModelProto.graph = 7,
    GraphProto.node = 1, .initializer = 5); `kind` is the op with a Conv's kernel from its weight's dims,
    e.g. "Conv(1x1)", "Conv(dw3x3/s2)" (group > 1)."""
    with open(path, 'rb') as f:
        graph = next(v for k, v in pb_fields(f.read()) if k == 7)
    nodes, dims = [], {}
    for k, v in pb_fields(graph):
        if k == 5:  # TensorProto: dims = 1, name = 8
            t = collections.defaultdict(list)
            for tk, tv in pb_fields(v):
                t[tk].append(tv)
            if t[8]:
                dims[t[8][0].decode()] = pb_ints(t[1])
        if k != 1:
            continue
        n = {'name': '', 'op': '', 'inputs': [], 'outputs': [], 'attrs': {}}
        for nk, nv in pb_fields(v):
            if nk in (1, 2):
                n['inputs' if nk == 1 else 'outputs'].append(nv.decode())
            elif nk in (3, 4):
                n['name' if nk == 3 else 'op'] = nv.decode()
            elif nk == 5:  # AttributeProto: name = 1, i = 3, ints = 8
                a = collections.defaultdict(list)
                for ak, av in pb_fields(nv):
                    a[ak].append(av)
                n['attrs'][a[1][0].decode()] = a[3][0] if a[3] else pb_ints(a[8])
        nodes.append(n)
    for n in nodes:
        n['kind'] = n['op']
        w = dims.get(n['inputs'][1]) if n['op'] == 'Conv' and len(n['inputs']) > 1 else None
        if w and len(w) == 4:
            dw = 'dw' if n['attrs'].get('group', 1) > 1 else ''
            stride = max(n['attrs'].get('strides') or [1])
            n['kind'] = 'Conv(%s%dx%d%s)' % (dw, w[2], w[3], '/s%d' % stride if stride > 1 else '')
    return nodes


def run_fxq(model, reps, threads):
    exe = os.path.join(REPO, os.environ.get('FXQ_BUILD', 'build-native'), 'bench', 'fxq_bench_engine')
    out = subprocess.run([exe, '--profile', model, str(reps), str(threads)], check=True, capture_output=True,
                         text=True, env=dict(os.environ, FXQ_PROFILE_ALL='1')).stdout
    total = float(re.search(r': ([\d.]+) ms per run in kernels', out).group(1)) * 1e3
    nodes = {}
    for m in re.finditer(r"^  (\S+) '(.*)'\s+(\[[^\]]*\])?\s*([\d.]+) ms\s+(-?\d+)\s+[\d.]+$", out, re.M):
        nodes[m.group(2)] = {'op': m.group(1), 'shape': m.group(3) or '', 'us': float(m.group(4)) * 1e3,
                             'macs': int(m.group(5))}
    return total, nodes


def run_ort(model, runs, threads):
    out = subprocess.run(['node', os.path.join(REPO, 'bench', 'ort_profile.js'), model, '--runs', str(runs),
                          '--threads', str(threads)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def map_ort_node(name, node_by_name, producer):
    """Index of the ONNX node an ORT node stands for, or None."""
    cands = [re.sub(r'#\d+$', '', name)]
    cands.append(re.sub(r'_nchwc$', '', cands[-1]))
    cands.append(re.sub(r'/\w*Fusion\b.*$', '', cands[-1]))
    for c in cands:
        if c in node_by_name:
            return node_by_name[c]
    for c in cands:
        if c in producer:
            return producer[c]
    return None


def build_groups(nodes, ort_nodes, fxq):
    node_by_name = {n['name']: i for i, n in enumerate(nodes) if n['name']}
    producer = {t: i for i, n in enumerate(nodes) for t in n['outputs'] if t}
    consumers = collections.defaultdict(list)
    for i, n in enumerate(nodes):
        for t in set(n['inputs']):
            if t:
                consumers[t].append(i)
    ort_of = collections.defaultdict(list)  # ONNX node index -> ORT nodes
    extra = []                              # ORT nodes with no ONNX node (reorders, unmatched)
    for o in ort_nodes:
        i = None if o['op'].startswith('Reorder') else map_ort_node(o['name'], node_by_name, producer)
        (ort_of[i] if i is not None else extra).append(o)

    parent = list(range(len(nodes)))
    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, n in enumerate(nodes):
        if i in ort_of:
            continue
        via_prod = [producer[t] for t in n['inputs'] if t in producer and consumers[t] == [i]]
        via_cons = [consumers[t][0] for t in n['outputs'] if len(consumers[t]) == 1]
        order = via_cons + via_prod if n['op'] in LEADERS else via_prod + via_cons
        order = [j for j in order if find(j) != find(i)]
        if order:
            parent[find(i)] = find(order[0])
    # Then fxq's fusions (src/engine/fusion.cpp): a Conv absorbs its sole reader if a Relu/LeakyRelu/Clip, or
    # the Sigmoid and Mul of a SiLU; the absorbed nodes show 0 us in fxq's profile.
    for i, n in enumerate(nodes):
        r = consumers[n['outputs'][0]] if n['op'] == 'Conv' and n['outputs'] else []
        ops = sorted(nodes[j]['op'] for j in r)
        if ops in (['Relu'], ['LeakyRelu'], ['Clip'], ['Mul', 'Sigmoid']) and \
                all(fxq.get(nodes[j]['name'], {}).get('us', 1) == 0 for j in r):
            for j in r:
                parent[find(j)] = find(i)
    groups = collections.defaultdict(list)
    for i in range(len(nodes)):
        groups[find(i)].append(i)
    return list(groups.values()), ort_of, extra


def report(model, threads, reps, runs, top):
    nodes = onnx_nodes(model)
    fxq_total, fxq = run_fxq(model, reps, threads)
    ort = run_ort(model, runs, threads)
    groups, ort_of, extra = build_groups(nodes, ort['nodes'], fxq)
    rows = []
    for members in groups:
        f = [fxq[nodes[i]['name']] for i in members if nodes[i]['name'] in fxq]
        o = [x for i in members for x in ort_of.get(i, [])]
        if not f and not o:
            continue
        lead = max(members, key=lambda i: (fxq.get(nodes[i]['name'], {}).get('macs', 0),
                                           fxq.get(nodes[i]['name'], {}).get('us', 0)))
        label = nodes[lead]['name'] + (' (+%d)' % (len(members) - 1) if len(members) > 1 else '')
        ops = '+'.join(dict.fromkeys(nodes[i]['kind'] for i in members if nodes[i]['op'] != 'Constant'))
        ort_by = collections.Counter()  # ORT kernel ("Conv nchwc", "QuickGelu", ...) -> us
        for x in o:
            ort_by[x['op'] + (' nchwc' if '_nchwc' in x['name'] else '')] += x['us']
        shape = next((fxq[nodes[i]['name']]['shape'] for i in reversed(members) if nodes[i]['name'] in fxq), '')
        rows.append({'node': label, 'op': ops, 'ort_op': ', '.join(ort_by) or '(not run)', 'ort_by': ort_by,
                     'shape': shape, 'macs': sum(x['macs'] for x in f), 'fxq': sum(x['us'] for x in f),
                     'ort': sum(x['us'] for x in o)})
    for x in extra:
        kind = 'added by ORT' if x['op'].startswith('Reorder') else 'unmatched'
        rows.append({'node': '%s [%s]' % (x['name'], kind), 'op': x['op'], 'ort_op': x['op'], 'macs': 0, 'fxq': 0.0,
                     'ort': x['us'], 'ort_by': collections.Counter({x['op']: x['us']}),
                     'shape': '[' + ','.join(map(str, x['shape'] or [])) + ']'})
    rows.sort(key=lambda r: r['ort'] - r['fxq'])
    rows.sort(key=lambda r: r['fxq'] - r['ort'], reverse=True)

    name = os.path.basename(model)
    reorders = [x for x in extra if x['op'].startswith('Reorder')]
    unmatched = [x for x in extra if not x['op'].startswith('Reorder')]
    fxq_sum = sum(v['us'] for v in fxq.values())
    p = print
    p('## %s (%d thread%s)\n' % (name, threads, '' if threads == 1 else 's'))
    p('- fxq kernels: %.0f us (sum of per-node minima over %d runs; rounded rows sum to %.0f us)' % (fxq_total, reps, fxq_sum))
    p('- ORT kernels: %.0f us (sum of per-node minima over %d runs); fastest whole session.run %.0f us' %
      (ort['total_us'], ort['runs'], ort['run_us']))
    p('- ratio fxq/ORT (kernels): %.2f; gap %.0f us' % (fxq_total / ort['total_us'], fxq_total - ort['total_us']))
    p('- ONNX nodes %d, fxq nodes %d, ORT nodes %d (%d matched to ONNX nodes, %d reorders = %d us, %d unmatched%s)\n' %
      (len(nodes), len(fxq), len(ort['nodes']), len(ort['nodes']) - len(extra), len(reorders),
       sum(x['us'] for x in reorders), len(unmatched),
       (': ' + ', '.join(x['name'] for x in unmatched)) if unmatched else ''))
    p('Top %d groups by gap (fxq - ORT):\n' % top)
    p('| node (group) | op | ORT kernel | output shape | MACs | fxq us | ORT us | fxq-ORT us |')
    p('|---|---|---|---|---:|---:|---:|---:|')
    for r in rows[:top]:
        p('| %s | %s | %s | %s | %d | %.0f | %.0f | %+.0f |' % (r['node'], r['op'], r['ort_op'], r['shape'], r['macs'],
                                                             r['fxq'], r['ort'], r['fxq'] - r['ort']))
    by_op = collections.defaultdict(lambda: [0.0, 0.0])
    for v in fxq.values():
        by_op[v['op']][0] += v['us']
    for x in ort['nodes']:
        by_op[x['op']][1] += x['us']
    p('\nPer op type (each engine\'s own op types: a fused ORT Conv includes its activation/Add):\n')
    p('| op | fxq us | ORT us |')
    p('|---|---:|---:|')
    for op, (f, o) in sorted(by_op.items(), key=lambda kv: -max(kv[1])):
        p('| %s | %.0f | %.0f |' % (op, f, o))
    by_kind = collections.defaultdict(lambda: {'n': 0, 'macs': 0, 'fxq': 0.0, 'ort': 0.0, 'by': collections.Counter()})
    for r in rows:
        k = by_kind[(r['op'], r['ort_op'])]
        k['n'], k['macs'], k['fxq'], k['ort'] = k['n'] + 1, k['macs'] + r['macs'], k['fxq'] + r['fxq'], k['ort'] + r['ort']
        k['by'].update(r['ort_by'])
    gmacs = lambda macs, us: '%.1f' % (macs / us / 1e3) if macs and us else ''
    p('\nPer group kind (ONNX ops of the group; ORT kernels with their us), by gap:\n')
    p('| group ops | ORT kernels (us) | groups | MACs | fxq us | ORT us | fxq-ORT us | fxq GMAC/s | ORT GMAC/s |')
    p('|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for (ops, _), k in sorted(by_kind.items(), key=lambda kv: kv[1]['ort'] - kv[1]['fxq']):
        by = ', '.join('%s %.0f' % kv for kv in k['by'].items()) or '(not run)'
        p('| %s | %s | %d | %d | %.0f | %.0f | %+.0f | %s | %s |' % (ops, by, k['n'], k['macs'], k['fxq'], k['ort'],
                                                                 k['fxq'] - k['ort'], gmacs(k['macs'], k['fxq']),
                                                                 gmacs(k['macs'], k['ort'])))
    p()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('model')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--reps', type=int, default=20, help='fxq runs (per node the fastest)')
    ap.add_argument('--runs', type=int, default=50, help='ORT profiled runs (per node the fastest)')
    ap.add_argument('--top', type=int, default=25)
    a = ap.parse_args()
    report(os.path.abspath(a.model), a.threads, a.reps, a.runs, a.top)


if __name__ == '__main__':
    sys.exit(main())
