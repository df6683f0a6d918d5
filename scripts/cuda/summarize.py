"""Merges CUDA benchmark records into one short table and one JSON file (BENCHMARKS.md format).

    python3 scripts/cuda/summarize.py --out bench-cuda.json FILE...

Each FILE is a records file: the TS runner's --json (records carry their PyTorch baseline),
`pai_cuda_test --bench --json` (ours alone), or `benchmarks/torch/cuda.py --standalone --json`
(PyTorch alone, matched to ours by case name).
"""
import json
import platform
import sys


def main(argv):
    out = None
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
            i += 2
        else:
            files.append(argv[i])
            i += 1
    ours, torch_by_case, machine = [], {}, {"cpu": platform.processor() or platform.machine()}
    for path in files:
        with open(path) as f:
            data = json.load(f)
        machine.update({k: v for k, v in data.get("machine", {}).items()})
        for key in ("torch", "gpu"):
            if key in data:
                machine[key] = data[key]
        for r in data["records"]:
            if r.get("params", {}).get("backend") == "pytorch":
                torch_by_case[r["case"]] = r
            else:
                ours.append(r)
    for r in ours:
        t = torch_by_case.get(r["case"])
        if t and "baseline" not in r:
            r["baseline"] = {"name": "pytorch", "median": t["median"]}
        b = r.get("baseline")
        if b and b["median"] and r["median"]:
            r["ratio"] = r["median"] / b["median"] if r["higherIsBetter"] else b["median"] / r["median"]
    print("%-58s %9s %11s %11s %7s" % ("case", "metric", "ours", "pytorch", "ratio"))
    for r in ours:
        b = r.get("baseline")
        print("%-58s %9s %11.4g %11s %7s" % (r["case"][:58], r["metric"], r["median"],
                                            "%.4g" % b["median"] if b else "-",
                                            "%.2fx" % r["ratio"] if "ratio" in r else "-"))
    print("(ratio > 1: ours better)")
    if out:
        with open(out, "w") as f:
            json.dump({"machine": machine, "records": ours}, f, indent=1)
        print("wrote %d records to %s" % (len(ours), out))


if __name__ == "__main__":
    main(sys.argv[1:])
