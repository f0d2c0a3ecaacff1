#!/usr/bin/env python3
"""The layer check (docs/DESIGN.md, "Layers"): every `#include "stage/..."` in
src/<stage>/ names its own stage or one below it, and CMakeLists.txt links no
stage to one above it. Exit 1 with one line per violation; CI runs it (ctest
`layers`).

    python3 tools/layers/check_layers.py [REPO_ROOT]
"""
import os
import re
import sys

# Each stage and the stages it may use directly; use is transitive. Lower
# stages first. A new stage gets a line here and in docs/DESIGN.md.
ALLOWED = {
    "util": [],
    "client": ["util"],
    "walk": ["util"],
    "chunk": ["util"],
    "lexical": ["util"],
    "grep": ["walk"],
    "graph": ["chunk"],
    "fusion": ["util"],
    "rank": ["lexical"],
    "semantic": ["lexical"],
    "index": ["lexical", "grep", "chunk", "walk", "graph", "fusion", "rank", "semantic"],
    "mcp": ["client"],
    "daemon": ["index", "mcp", "client"],
    "cli": ["mcp", "client", "walk"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
STAGE_LINE = re.compile(r"ts_stage\((\w+)\s+DEPS([^)]*)\)")
LINK_LINE = re.compile(r"target_link_libraries\(ts_(\w+)\s+(?:PUBLIC|PRIVATE)([^)]*)\)")


def closure(stage):
    seen, todo = set(), list(ALLOWED[stage])
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(ALLOWED[s])
    return seen


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    src = os.path.join(root, "src")
    problems = []
    stages = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for stage in stages:
        if stage not in ALLOWED:
            problems.append(f"src/{stage}/: a stage missing from the layer table in {__file__}")
            continue
        may = closure(stage) | {stage}
        for name in sorted(os.listdir(os.path.join(src, stage))):
            if not name.endswith((".h", ".cc")):
                continue
            rel = f"src/{stage}/{name}"
            with open(os.path.join(src, stage, name), encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                used = m.group(1)
                if used in ALLOWED and used not in may:
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{rel}:{line}: {stage} may not include {used}/ "
                                    f"(it may use: {', '.join(sorted(may - {stage})) or 'nothing'})")
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake = f.read()
    for pattern in (STAGE_LINE, LINK_LINE):
        for m in pattern.finditer(cmake):
            stage = m.group(1)
            if stage not in ALLOWED:
                continue
            for dep in re.findall(r"\bts_(\w+)", m.group(2)):
                if dep in ALLOWED and dep not in closure(stage):
                    problems.append(f"CMakeLists.txt: ts_{stage} links ts_{dep}, a stage it may not use")
    for p in problems:
        print(p)
    if problems:
        print(f"layer check: {len(problems)} violation(s)")
        return 1
    print(f"layer check: {len(stages)} stages, every include and link points downward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
