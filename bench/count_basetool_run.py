#!/usr/bin/env python3
"""Independent count for the acceptance check: classes under DIR that define `_run` and reach
`BaseTool` through their bases (matched by class name, across all files under DIR).
Usage: bench/count_basetool_run.py DIR  -> prints `file:line ClassName` and the total."""
import ast
import os
import sys

root = sys.argv[1]
classes = {}  # name -> list of (file, line, base names, defines _run)
for dirpath, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".py"):
            continue
        path = os.path.join(dirpath, f)
        try:
            tree = ast.parse(open(path, encoding="utf-8").read())
        except Exception:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = []
                for b in node.bases:
                    if isinstance(b, ast.Name):
                        bases.append(b.id)
                    elif isinstance(b, ast.Attribute):
                        bases.append(b.attr)
                runs = any(isinstance(x, (ast.FunctionDef, ast.AsyncFunctionDef)) and x.name == "_run" for x in node.body)
                classes.setdefault(node.name, []).append((os.path.relpath(path, root), node.lineno, bases, runs))

def reaches_basetool(name, seen):
    if name == "BaseTool":
        return True
    if name in seen or name not in classes:
        return False
    seen.add(name)
    return any(reaches_basetool(b, seen) for (_, _, bases, _) in classes[name] for b in bases)

found = []
for name, defs in classes.items():
    for (path, line, bases, runs) in defs:
        if runs and any(reaches_basetool(b, set()) for b in bases):
            found.append((path, line, name))
for path, line, name in sorted(found):
    print(f"{path}:{line} {name}")
print(len(found), "classes define _run and reach BaseTool", file=sys.stderr)
