#!/usr/bin/env python3
"""tools/kineto-trace.py - record PyTorch profiler (Kineto) traces for
`dawnsim replay`, on a CUDA GPU.

    python3 tools/kineto-trace.py OUTDIR [--steps-unprofiled 10]

Writes OUTDIR/mlp_train_fp32.json.gz, OUTDIR/pipeline2_gpipe_fp32.json.gz
and OUTDIR/step_times.csv (trace,phase,step,ms): the layout of
../shared/data/kineto (see its README), which tests/test-replay.c checks
the replay against. Each trace holds three training steps after five
warm-up steps, each step ending with torch.cuda.synchronize(); the same
steps are first timed with the profiler off ("unprofiled"), then on
("profiled": the steps in the trace).

- mlp: MLP 784-1024-1024-10, batch 256, fp32, cross-entropy, SGD with
  momentum.
- pipeline2_gpipe: a 2-stage GPipe pipeline on two CUDA streams of one
  GPU, stage 0 = Linear(1024,4096)-GELU-Linear(4096,1024), stage 1 =
  Linear(1024,4096)-GELU-Linear(4096,10); 4 micro-batches of 128;
  forwards, then backwards in reverse order; the stages joined by CUDA
  event record/wait; SGD.

Needs PyTorch with CUDA (pip install torch); nothing of dawnsim's. Not run
by the test suite: the machines that build dawnsim have no GPU.
"""
import argparse
import csv
import gzip
import os
import shutil
import time

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, schedule

WARMUP, ACTIVE = 5, 3


def mlp_workload(dev):
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                          nn.ReLU(), nn.Linear(1024, 10)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(256, 784, device=dev)
    y = torch.randint(0, 10, (256,), device=dev)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def pipeline_workload(dev):
    stage0 = nn.Sequential(nn.Linear(1024, 4096), nn.GELU(), nn.Linear(4096, 1024)).to(dev)
    stage1 = nn.Sequential(nn.Linear(1024, 4096), nn.GELU(), nn.Linear(4096, 10)).to(dev)
    opt = torch.optim.SGD(list(stage0.parameters()) + list(stage1.parameters()), lr=0.01)
    streams = (torch.cuda.Stream(dev), torch.cuda.Stream(dev))
    n_micro, micro = 4, 128
    xs = [torch.randn(micro, 1024, device=dev) for _ in range(n_micro)]
    ys = [torch.randint(0, 10, (micro,), device=dev) for _ in range(n_micro)]
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        outs0, ins1, losses = [], [], []
        # forwards: stage 0 then stage 1 per micro-batch, handed over by events
        for i in range(n_micro):
            with torch.cuda.stream(streams[0]):
                h = stage0(xs[i])
                done0 = torch.cuda.Event()
                done0.record(streams[0])
            with torch.cuda.stream(streams[1]):
                streams[1].wait_event(done0)
                h1 = h.detach().requires_grad_()
                losses.append(loss_fn(stage1(h1), ys[i]) / n_micro)
            outs0.append(h)
            ins1.append(h1)
        # backwards in reverse: stage 1, then stage 0 with its input's gradient
        for i in reversed(range(n_micro)):
            with torch.cuda.stream(streams[1]):
                losses[i].backward()
                done1 = torch.cuda.Event()
                done1.record(streams[1])
            with torch.cuda.stream(streams[0]):
                streams[0].wait_event(done1)
                outs0[i].backward(ins1[i].grad)
        torch.cuda.current_stream(dev).wait_stream(streams[0])
        torch.cuda.current_stream(dev).wait_stream(streams[1])
        opt.step()
    return step


def timed(step):
    t0 = time.perf_counter()
    step()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1e3


def record(name, step, outdir, n_unprofiled, rows):
    for _ in range(WARMUP):
        timed(step)
    for k in range(n_unprofiled):
        rows.append((name, "unprofiled", k, timed(step)))
    raw = os.path.join(outdir, name + ".json")
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA],
                 record_shapes=True,
                 schedule=schedule(wait=0, warmup=WARMUP, active=ACTIVE),
                 on_trace_ready=lambda p: p.export_chrome_trace(raw)) as prof:
        for k in range(WARMUP + ACTIVE):
            ms = timed(step)
            if k >= WARMUP:
                rows.append((name, "profiled", k - WARMUP, ms))
            prof.step()
    with open(raw, "rb") as src, gzip.open(raw + ".gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.remove(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--steps-unprofiled", type=int, default=10)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("kineto-trace.py: no CUDA device (the traces are of GPU runs)")
    os.makedirs(args.outdir, exist_ok=True)
    dev = torch.device("cuda", 0)
    rows = []
    record("mlp_train_fp32", mlp_workload(dev), args.outdir, args.steps_unprofiled, rows)
    record("pipeline2_gpipe_fp32", pipeline_workload(dev), args.outdir,
           args.steps_unprofiled, rows)
    with open(os.path.join(args.outdir, "step_times.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["trace", "phase", "step", "ms"])
        for name, phase, k, ms in rows:
            w.writerow([name, phase, k, "%.4f" % ms])


if __name__ == "__main__":
    main()
