"""Serves one benchmark suite's PyTorch baseline to benchmarks/harness/torch-bridge.ts.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
  {"op": "setup", "id": 1, "case": {...}}   -> {"ok": true}   (calls the suite's setup(case))
  {"op": "time", "id": 1, "loops": 20}       -> {"seconds": 0.0123, "cpu": 0.0241}
                                                (runs the case loops times; cpu: process CPU
                                                seconds, all threads, over the same span)
  {"op": "release", "id": 1}                 -> {"ok": true}
  {"op": "info"}                             -> {"torch": "2.x", "threads": 2}
Any failure answers {"error": "..."} and the process keeps serving.
A suite script defines setup(case) -> a no-argument callable that does one timed call
(and synchronizes, for GPU work), then calls serve(setup).
"""
import json
import os
import sys
import time
import traceback

import torch

# After a timed batch, PyTorch's OpenMP workers keep spinning (libgomp's GOMP_SPINCOUNT:
# milliseconds) on the cores that the next measurement of ours needs; waiting this long
# before answering lets them go idle, so the interleaved measurements do not overlap.
SETTLE_SECONDS = float(os.environ.get("PAI_BENCH_SETTLE", "0.05"))


def serve(setup):
    cases = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
            op = msg.get("op")
            if op == "setup":
                case = msg["case"]
                if "threads" in case:
                    torch.set_num_threads(int(case["threads"]))
                cases[msg["id"]] = setup(case)
                reply = {"ok": True}
            elif op == "time":
                fn = cases[msg["id"]]
                loops = int(msg["loops"])
                c0, t0 = time.process_time(), time.perf_counter()
                for _ in range(loops):
                    fn()
                reply = {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}
                time.sleep(SETTLE_SECONDS)
            elif op == "release":
                cases.pop(msg["id"], None)
                reply = {"ok": True}
            elif op == "info":
                reply = {"torch": torch.__version__, "threads": torch.get_num_threads()}
            else:
                reply = {"error": "unknown op %r" % (op,)}
        except Exception as e:  # keep serving: one bad case must not end the suite
            reply = {"error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc(limit=3)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
