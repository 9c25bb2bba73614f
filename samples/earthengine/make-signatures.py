#!/usr/bin/env python3
"""Writes signatures.json: every algorithm's name, return type and arguments (name, type,
optional) from ../shared/data/earthengine/algorithms.json, without the descriptions.

Source: google/earthengine-api python/ee/tests/algorithms.json (Apache License 2.0), a
snapshot of GET /v1/projects/p/algorithms. The facts (names, argument names) are kept so that
tests and the fake server validate expression graphs with no network and no ../shared."""
import json, pathlib, sys
here = pathlib.Path(__file__).resolve().parent
source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else here / "../../../shared/data/earthengine/algorithms.json")
algorithms = json.loads(source.read_text())["algorithms"]
out = []
for a in sorted(algorithms, key=lambda a: a["name"]):
    entry = {"name": a["name"], "returnType": a.get("returnType", ""),
             "arguments": [{"argumentName": x["argumentName"], "type": x.get("type", ""),
                            **({"optional": True} if x.get("optional") else {})} for x in a.get("arguments", [])]}
    if a.get("hidden"): entry["hidden"] = True
    if a.get("deprecated"): entry["deprecated"] = True
    out.append(entry)
(here / "signatures.json").write_text(json.dumps({"algorithms": out}, separators=(",", ":"), sort_keys=True) + "\n")
print(f"{len(out)} algorithms -> {here / 'signatures.json'}")
