"""The static policy: graded code is the code that was analysed.

A submission may not build code at run time, reach modules or attributes by computed
names, look at interpreter frames, touch the operating system, processes, sockets,
signals or threads, or write files. Each of these would let the code that runs differ
from the code the static checks read, or reach past the exercise. Each finding names
its line. Code under `if __name__ == "__main__":` is not graded and not checked.
"""
from __future__ import annotations

import ast
from typing import ClassVar

from .base import Assessment, Finding, Source, StaticCheck

#: builtins that build or run code, or import by name
_CODE_BUILTINS = {
    "exec": "runs code built at run time",
    "eval": "runs code built at run time",
    "compile": "builds code at run time",
    "__import__": "imports a module by a computed name",
    "breakpoint": "starts a debugger",
}
#: builtins that read or change a namespace by a computed key
_NAMESPACE_BUILTINS = {
    "globals": "reads a namespace by computed names",
    "locals": "reads a namespace by computed names",
    "vars": "reads a namespace by computed names",
}
#: modules a graded file may not import (the top-level package name)
_MODULES = {
    "importlib": "imports modules by computed names",
    "imp": "imports modules by computed names",
    "runpy": "runs other code",
    "code": "runs code built at run time",
    "codeop": "builds code at run time",
    "builtins": "reaches exec and eval by other names",
    "inspect": "inspects interpreter frames",
    "gc": "reaches other objects in the process (gc.get_objects)",
    "traceback": "inspects interpreter frames",
    "ctypes": "calls C code and writes memory",
    "cffi": "calls C code and writes memory",
    "os": "reaches the operating system",
    "posix": "reaches the operating system",
    "nt": "reaches the operating system",
    "pty": "reaches the operating system",
    "fcntl": "reaches the operating system",
    "resource": "changes process limits",
    "mmap": "maps memory and files",
    "shutil": "copies, moves or deletes files",
    "tempfile": "writes files",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "concurrent": "starts processes or threads",
    "threading": "starts threads",
    "_thread": "starts threads",
    "asyncio": "starts processes and opens sockets",
    "signal": "sends or handles signals",
    "socket": "opens network connections",
    "ssl": "opens network connections",
    "http": "opens network connections",
    "urllib": "opens network connections",
    "urllib3": "opens network connections",
    "requests": "opens network connections",
    "ftplib": "opens network connections",
    "smtplib": "opens network connections",
    "pickle": "runs code while loading data",
    "marshal": "loads code objects",
    "dill": "runs code while loading data",
    "joblib": "starts processes and writes files",
    "faulthandler": "inspects interpreter frames",
    "sysconfig": "reads the interpreter's installation",
}
#: attributes that lead to frames, code objects, other modules' globals or classes' internals
_ATTRIBUTES = {
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace",
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
    "tb_frame", "tb_next", "__globals__", "__code__", "__closure__", "__builtins__",
    "__subclasses__", "__dict__", "__loader__", "__spec__", "__getattribute__",
}
#: attributes of `sys` that lead to frames, other modules, or tracing
_SYS_ATTRIBUTES = {
    "_getframe", "_current_frames", "modules", "settrace", "setprofile", "meta_path",
    "path_hooks", "addaudithook", "exc_info", "exception", "last_traceback", "__dict__",
}
#: methods that write files, whatever object they are called on
_WRITERS = {
    "write_text", "write_bytes", "touch", "mkdir", "unlink", "rmdir",
    "symlink_to", "hardlink_to", "chmod", "savefig", "tofile",
}
#: pandas exporters: they write a file when given a path, and return text without one
#: (`df.to_csv()`), which is fine. `replace`/`rename` are left alone: on strings and
#: DataFrames they write nothing, and the jail keeps a Path's rename inside the run anyway.
_PATH_WRITERS = {"to_csv", "to_pickle", "to_parquet", "to_json", "to_excel", "to_hdf", "to_feather", "to_sql", "to_markdown", "to_latex"}
#: numpy's private modules hold the floating-point error state behind np.errstate
_PRIVATE_NUMPY = ("numpy._core", "numpy.core")
#: numpy / scipy functions that write files
_NP_WRITERS = {"save", "savez", "savez_compressed", "savetxt", "memmap"}
_COMPUTED_NAME = {"getattr", "setattr", "delattr", "hasattr"}


def _literal_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _open_mode_writes(call: ast.Call) -> bool | None:
    """True if open() is asked to write, None if the mode cannot be told."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    if not _literal_str(mode):
        return None
    return any(c in mode.value for c in "wax+")


def _graded_tree(text: str, tree: ast.Module | None = None) -> ast.Module:
    tree = ast.parse(text) if tree is None else tree
    return ast.Module(body=[s for s in tree.body if not _is_main(s)], type_ignores=[])


def _is_main(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
        and len(stmt.test.comparators) == 1
        and _literal_str(stmt.test.comparators[0])
    )


def forbidden(text: str, tree: ast.Module | None = None) -> list[Finding]:
    """Every forbidden construct in the graded part of `text`, in line order."""
    tree = _graded_tree(text, tree)
    found: list[Finding] = []
    aliases: dict[str, str] = {}  # local name -> module it stands for (numpy, sys, ...)

    def add(node: ast.AST, what: str) -> None:
        found.append(Finding(node.lineno, f"line {node.lineno}: {what}; graded code may not do this (see the exercise README's contract)"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                aliases[(alias.asname or alias.name).split(".")[0]] = alias.name if alias.asname else top
                if top in _MODULES:
                    add(node, f"`import {alias.name}` {_MODULES[top]}")
                elif alias.name.startswith(_PRIVATE_NUMPY):
                    add(node, f"`import {alias.name}` reaches numpy's private state")
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if node.level == 0 and top in _MODULES:
                add(node, f"`from {node.module} import ...` {_MODULES[top]}")
            elif node.level == 0 and (node.module or "").startswith(_PRIVATE_NUMPY):
                add(node, f"`from {node.module} import ...` reaches numpy's private state")
            elif node.level == 0 and top == "numpy" and any(a.name in ("_core", "core") for a in node.names):
                add(node, "`from numpy import _core` reaches numpy's private state")
            elif node.level == 0 and top == "sys":
                for alias in node.names:
                    if alias.name in _SYS_ATTRIBUTES:
                        add(node, f"`from sys import {alias.name}` reaches frames, modules or tracing")
            elif node.level == 0 and top in ("numpy", "pathlib"):
                for alias in node.names:
                    if alias.name in _NP_WRITERS:
                        add(node, f"`from {node.module} import {alias.name}` writes files")
            elif node.level > 0:
                add(node, "a relative import reaches files outside the submission")

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in _CODE_BUILTINS:
                add(node, f"`{node.id}` {_CODE_BUILTINS[node.id]}")
            elif node.id in _NAMESPACE_BUILTINS:
                add(node, f"`{node.id}()` {_NAMESPACE_BUILTINS[node.id]}")
            elif node.id == "__builtins__":
                add(node, "`__builtins__` reaches exec and eval by other names")
        elif isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else None
            module = aliases.get(base, "") if base else ""
            if node.attr in _ATTRIBUTES:
                add(node, f"`.{node.attr}` reaches frames, code or other modules' internals")
            elif module == "sys" and node.attr in _SYS_ATTRIBUTES:
                add(node, f"`sys.{node.attr}` reaches frames, modules or tracing")
            elif module == "numpy" and node.attr in ("_core", "core"):
                add(node, f"`{base}.{node.attr}` reaches numpy's private state")
            elif module.split(".")[0] in ("numpy", "scipy") and node.attr in _NP_WRITERS:
                add(node, f"`{base}.{node.attr}` writes files")
        elif isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in _COMPUTED_NAME:
                if len(node.args) < 2 or not _literal_str(node.args[1]):
                    add(node, f"`{fn.id}` with a computed attribute name hides what the code uses")
            elif isinstance(fn, ast.Name) and fn.id == "open":
                writes = _open_mode_writes(node)
                if writes is None:
                    add(node, "`open` with a computed mode may write files")
                elif writes:
                    add(node, "`open` for writing writes files")
            elif isinstance(fn, ast.Attribute) and fn.attr == "open" and _open_mode_writes(node):
                add(node, "`.open` for writing writes files")
            elif isinstance(fn, ast.Attribute) and fn.attr in _WRITERS:
                add(node, f"`.{fn.attr}(...)` writes files")
            elif isinstance(fn, ast.Attribute) and fn.attr in _PATH_WRITERS and (
                node.args or any(k.arg in ("path_or_buf", "path", "excel_writer", "buf", "name") for k in node.keywords)
            ):
                add(node, f"`.{fn.attr}(...)` with a destination writes files")
    found.sort(key=lambda f: f.line)
    seen, unique = set(), []
    for f in found:
        if f.message not in seen:
            seen.add(f.message)
            unique.append(f)
    return unique


class ForbiddenConstruct(StaticCheck):
    """exec/eval/compile, computed imports and attribute names, frame introspection, the
    operating system, processes, sockets, signals, threads, and writing files."""

    name: ClassVar[str] = "forbidden_construct"
    summary: ClassVar[str] = "uses no forbidden construct (exec, eval, computed imports or names, frames, os, processes, file writes)"
    VALID: ClassVar[list[str]] = [
        "import numpy as np\n\ndef f(x):\n    return np.mean(x)\n",
        "def f(model):\n    return getattr(model, 'coef_', None)\n",
        "def load(path):\n    with open(path) as fh:\n        return fh.read()\n",
        "def load(path):\n    return open(path, 'rb').read()\n",
        "import numpy as np\n\nif __name__ == '__main__':\n    import os\n    np.save('out.npy', np.zeros(3))\n",
        "from sklearn.model_selection import train_test_split\n\ndef f(X, y):\n    return train_test_split(X, y)\n",
        "import sys\n\ndef main():\n    return sys.argv\n",
        "import numpy as np\n\ndef f(x):\n    return np.load('w.npy') + x\n",
        "def clean(df, s):\n    return df.rename(columns={'a': 'b'}).replace(-1, 0), s.replace('x', 'y')\n",
        "def show(df):\n    print(df.to_csv(index=False))\n",
    ]
    INVALID: ClassVar[list[str]] = [
        "def f(x):\n    return eval('x + 1')\n",
        "def f(code):\n    exec(code)\n",
        "c = compile('1', 'x', 'eval')\n",
        "m = __import__('o' + 's')\n",
        "import importlib\nnp = importlib.import_module('numpy')\n",
        "import numpy as np\n\ndef f(x):\n    return getattr(np, 'me' + 'an')(x)\n",
        "def f(o, v):\n    setattr(o, name, v)\n",
        "import sys\n\ndef f():\n    return sys._getframe(1).f_globals\n",
        "import inspect\n\ndef f():\n    return inspect.stack()\n",
        "def f():\n    try:\n        1 / 0\n    except Exception as e:\n        return e.__traceback__.tb_frame.f_back\n",
        "import ctypes\n",
        "from numpy._core import _ufunc_config\n",
        "import numpy.core._ufunc_config as cfg\n",
        "import numpy as np\n\ndef f():\n    return np._core._ufunc_config\n",
        "def f(df):\n    df.to_csv('leak.csv')\n",
        "import os\n\ndef f():\n    os.kill(os.getppid(), 9)\n",
        "from subprocess import run\n",
        "import socket\n",
        "import signal\n",
        "import multiprocessing\n",
        "import threading\n",
        "def f(p):\n    open(p, 'w').write('x')\n",
        "def f(p, x):\n    with open(p, mode='a') as fh:\n        fh.write(x)\n",
        "from pathlib import Path\n\ndef f():\n    Path('x').write_text('y')\n",
        "import numpy as np\n\ndef f(x):\n    np.save('x.npy', x)\n",
        "def f(df):\n    df.to_csv('out.csv')\n",
        "def f():\n    return globals()['ev' + 'al']\n",
        "import builtins\n",
        "import sys\n\ndef f():\n    return sys.modules['o' + 's']\n",
    ]

    def findings(self, src: Source) -> list[Finding]:
        return forbidden(src.text, src.pytree)

    def assess(self, src: Source) -> Assessment:
        found = self.findings(src)
        return Assessment.wrong(found) if found else Assessment.right()


def checks() -> list[StaticCheck]:
    """What the lead wires into grading for every exercise."""
    return [ForbiddenConstruct()]


__all__ = ["ForbiddenConstruct", "checks", "forbidden"]
