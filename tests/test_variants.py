"""Per-student variants: every grader grades every variant like the original, the transforms
are deterministic and safe, and `match_variant` recognises whose variant a text carries."""
from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import textwrap

import libcst as cst
import pytest

from bughunt.grader import load_grader
from bughunt.grading import grade
from bughunt.manifest import Exercise
from bughunt.static.base import Source
from bughunt.variants import Variant, VariantError, broken_and_fixed, make_variant, match_variant, reorder, variant_key
from bughunt.variants import constants, rename
from bughunt.variants.choice import Chooser
from bughunt.variants.protect import graded_functions, protected_names
from bughunt.variants.purity import Context, local_names
from bughunt.variants.synonyms import candidates
from bughunt.variants.syntax import identifiers
from tests.conftest import EXERCISES, exercise

IDS = [e.id for e in EXERCISES]
KEYS = ("3f1c0a9e5b7d2468", "a07e4411c2d9b365")  # fixed: the same variants on every run


def _write(tmp_path, folder: str, ex: Exercise, text: str):
    path = tmp_path / folder / ex.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _idents(text: str) -> set[str]:
    return identifiers(cst.parse_module(text))


def _text(step, text: str, *args, **kwargs) -> tuple[str, list[str]]:
    """Run a module-to-module transform on source text."""
    module, changes = step(cst.parse_module(text), *args, **kwargs)
    return module.code, changes


def _failing(verdict) -> list[str]:
    return [f"{c.name}: {c.message}" for c in verdict.checks if not c.passed] + ([verdict.reason] if verdict.reason else [])


def _static_failures(ex: Exercise, text: str) -> tuple[set[str], set[str]]:
    """(failing static checks, suppressions found), computed in this process."""
    src, grader = Source.parse(text), load_grader(ex.grader_path)
    return (
        {chk.name for chk in grader.static_checks() if chk.findings(src)},
        {chk.name for chk in grader.suppression_checks() if chk.findings(src)},
    )


# --- the proof: graders grade variants as they grade the original ---------------------------
@pytest.mark.parametrize("ex_id", IDS)
def test_graders_grade_every_variant_like_the_original(ex_id, tmp_path):
    ex = exercise(ex_id)
    shipped = ex.path.read_text(encoding="utf-8")
    shipped_static, shipped_suppressions = _static_failures(ex, shipped)
    fixed_suppressions = _static_failures(ex, load_grader(ex.grader_path).reference_example().apply(shipped))[1]
    for key in KEYS:
        broken, fixed = broken_and_fixed(ex, key)
        vb = grade(ex, _write(tmp_path, f"{key}/broken", ex, broken.text))
        assert vb.status == "fail", f"{ex_id} broken variant {key}: {vb.status}, expected fail; {_failing(vb)}"
        assert any(not c.passed and c.root_cause for c in vb.checks), (
            f"{ex_id} broken variant {key} fails no root-cause check: {_failing(vb)}"
        )
        variant_static = {c.name for c in vb.checks if c.kind == "static" and not c.passed}
        assert variant_static == shipped_static, (
            f"{ex_id} broken variant {key}: static checks failing {sorted(variant_static)}, "
            f"the shipped file fails {sorted(shipped_static)}"
        )
        assert {x.name for x in vb.suppressions} == shipped_suppressions, f"{ex_id} broken variant {key}: {vb.suppressions}"
        vf = grade(ex, _write(tmp_path, f"{key}/fixed", ex, fixed.text))
        assert vf.status == "pass", f"{ex_id} fixed variant {key}: {vf.status}; failing: {_failing(vf)}"
        assert {x.name for x in vf.suppressions} == fixed_suppressions, f"{ex_id} fixed variant {key}: {vf.suppressions}"


@pytest.mark.parametrize("ex_id", IDS)
def test_fixed_variant_demo_runs(ex_id, tmp_path):
    ex = exercise(ex_id)
    _, fixed = broken_and_fixed(ex, KEYS[0])
    path = _write(tmp_path, "demo", ex, fixed.text)
    run = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    last = (run.stderr.strip().splitlines() or [""])[-1]
    assert run.returncode == 0, f"{ex_id}: the demo of the fixed variant exited {run.returncode}: {last}"
    assert run.stdout.strip(), f"{ex_id}: the demo printed nothing"


# --- determinism and shape of every variant ----------------------------------------------------
def _signatures(module: cst.Module) -> dict[str, list[str]]:
    return {
        s.name.value: [p.name.value for p in [*s.params.posonly_params, *s.params.params, *s.params.kwonly_params]]
        for s in module.body
        if isinstance(s, cst.FunctionDef)
    }


def _params(module: cst.Module, function: str) -> str:
    fn = next(s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == function)
    return module.code_for_node(fn.params)


def _module_level_names(text: str) -> set[str]:
    tree = ast.parse(text)
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return out


@pytest.mark.parametrize("ex_id", IDS)
def test_variants_are_deterministic_distinct_and_keep_the_interface(ex_id):
    ex = exercise(ex_id)
    shipped = ex.path.read_text(encoding="utf-8")
    graded = graded_functions(cst.parse_module(shipped), protected_names(ex))
    b1, f1 = broken_and_fixed(ex, KEYS[0])
    texts = []
    for key in KEYS:
        v = make_variant(ex, shipped, key)
        assert isinstance(v, Variant) and v.exercise == ex_id and v.key == key
        assert v.text != shipped, f"{ex_id}: variant {key} is the shipped text"
        assert v.renames and v.changes, f"{ex_id}: variant {key} changed nothing it reports"
        compile(v.text, ex.file, "exec")
        module, original = cst.parse_module(v.text), cst.parse_module(shipped)
        assert ast.get_docstring(ast.parse(v.text)) == ast.get_docstring(ast.parse(shipped))
        assert _signatures(module) == _signatures(original), f"{ex_id}: a function or parameter name changed"
        for name in graded:  # what the grader runs keeps its exact parameters, defaults included
            assert _params(module, name) == _params(original, name), f"{ex_id}: the defaults of graded `{name}` changed"
        assert _module_level_names(v.text) == _module_level_names(shipped), f"{ex_id}: a module-level name changed"
        assert not set(v.renames.values()) & _idents(shipped), f"{ex_id}: a new name already occurs in the file"
        texts.append(v.text)
    assert texts[0] != texts[1], f"{ex_id}: two keys gave the same variant"
    assert make_variant(ex, shipped, KEYS[0]).text == texts[0], f"{ex_id}: same key, different variant"
    assert b1.text == texts[0], f"{ex_id}: broken_and_fixed hands out a different file than make_variant"
    fix_ids = _idents(load_grader(ex.grader_path).reference_example().apply(shipped))
    shared = {n for n in b1.renames.keys() & f1.renames.keys() if b1.renames[n] not in fix_ids}
    assert shared and all(b1.renames[n] == f1.renames[n] for n in shared), f"{ex_id}: broken and fixed renamed differently"


def test_a_fix_that_uses_a_chosen_name_gets_another():
    from bughunt.variants import prepare

    ex = exercise("gradient_sign/linreg-batch")
    shipped = ex.path.read_text(encoding="utf-8")
    broken = make_variant(ex, shipped, KEYS[0])
    taken = broken.renames["residual"]
    fix = shipped.replace("    n = len(y)\n", f"    n = len(y)\n    {taken} = 0\n")
    b, f = prepare(ex, [shipped, fix]).variants(KEYS[0])
    assert b == broken
    assert f.renames["residual"] != taken and f.renames[taken] != taken
    assert {k: v for k, v in f.renames.items() if k not in ("residual", taken)} == {
        k: v for k, v in broken.renames.items() if k != "residual"
    }
    compile(f.text, "fix.py", "exec")


def test_unparsable_source_is_a_clear_error():
    with pytest.raises(VariantError, match="does not parse"):
        make_variant(exercise("sigmoid/overflow-basic"), "def f(:\n", "k")


def test_variant_key_is_stable():
    assert variant_key(7, "s1", "sigmoid/overflow-basic") == variant_key(7, "s1", "sigmoid/overflow-basic")
    assert len({variant_key(7, s, "a/b") for s in ("s1", "s2", "s3")} | {variant_key(8, "s1", "a/b")}) == 4


# --- renaming ---------------------------------------------------------------------------------
def _renamed(src: str, protected=frozenset(), key="k"):
    analysis = rename.analyse(textwrap.dedent(src), protected)
    mapping = rename.plan(analysis.names, _idents(textwrap.dedent(src)) | set(protected), Chooser(key))
    module, used = rename.apply(analysis, mapping)
    return module.code, used


def _run(text: str, call: str):
    scope: dict = {"__name__": "snippet"}
    exec(compile(text, "<snippet>", "exec"), scope)
    return eval(call, scope)


RENAME_VALID = [  # (snippet, a call whose result must not change, names that must be renamed)
    (
        """
        def f(a, lr=0.5):
            w = a * 2
            return dict(w=w, lr=lr)
        """,
        "f(3)",
        {"w"},
    ),
    (  # a closure reads the renamed local
        """
        def f():
            w = 4
            def g(x):
                return w + x
            return g(1)
        """,
        "f()",
        {"w"},
    ),
    (  # a comprehension variable shadows a local of the same name
        """
        def f(xs):
            i = 10
            out = [i * 2 for i in xs]
            return i, out
        """,
        "f([1, 2])",
        {"i", "out"},
    ),
    (  # for / with / except / walrus targets
        """
        import contextlib
        def f(xs):
            total = 0
            for k in xs:
                total = total + k
            with contextlib.nullcontext(5) as five:
                pass
            try:
                raise ValueError("boom")
            except ValueError as err:
                msg = str(err)
            if (n := len(xs)) > 1:
                total += n
            return total, five, msg
        """,
        "f([1, 2, 3])",
        {"total", "k", "five", "err", "msg", "n"},
    ),
    (  # the demo's own names, at module level
        """
        def f(v):
            return v + 1
        if __name__ == "__main__":
            inbox = 3
            print(f(inbox))
        """,
        "f(1)",
        {"inbox"},
    ),
]

RENAME_INVALID = [  # (snippet, names that must keep their name)
    ("def f(w, lr=0.1):\n    return w * lr\n", {"w", "lr"}),  # parameters: graders call with keywords
    ("import numpy as np\ndef f():\n    import math\n    return np, math\n", {"np", "math"}),  # imports
    ("TOTAL = 0\ndef f():\n    global TOTAL\n    TOTAL = 1\n    return TOTAL\n", {"TOTAL"}),  # global
    ("def f():\n    c = 0\n    def g():\n        nonlocal c\n        c = 1\n    g()\n    return c\n", {"c"}),  # nonlocal
    ("def f():\n    a = 1\n    return locals()\n", {"a"}),  # the function reads its own namespace
    ("class A:\n    x = 1\n    def m(self):\n        return self.x\n", {"x", "self"}),  # class attributes
    ("X = 1\ndef f():\n    return X\n", {"X"}),  # module-level name read by a function
    ("def f():\n    def helper():\n        return 1\n    return helper()\n", {"helper"}),  # nested def
    ('if __name__ == "__main__":\n    model = 1\n    print(model)\n', {"model"}),  # the grader may read it
]


@pytest.mark.parametrize("src,call,names", RENAME_VALID)
def test_rename_valid(src, call, names):
    text, used = _renamed(src)
    assert names <= set(used), f"not renamed: {names - set(used)}"
    assert _run(text, call) == _run(textwrap.dedent(src), call)


@pytest.mark.parametrize("src,names", RENAME_INVALID)
def test_rename_invalid(src, names):
    text, used = _renamed(src, protected=frozenset({"model"}))
    assert not names & set(used), f"renamed: {names & set(used)}"
    assert names <= _idents(text)


def test_rename_keeps_attributes_and_keywords():
    text, used = _renamed("def f(a):\n    w = a.w\n    return g(w=w)\n")
    new = used["w"]
    assert "a.w" in text and f"g(w={new})" in text and f"{new} = a.w" in text


def test_new_names_are_fresh_and_distinct():
    curated, fallback = candidates("w")
    taken = set(curated[:-1])
    assert rename.plan({"w"}, taken, Chooser("k")) == {"w": curated[-1]}
    assert rename.plan({"w"}, set(curated), Chooser("k"))["w"] in fallback
    mapping = rename.plan({"X", "y", "w", "b", "z", "p", "lr"}, set(), Chooser("k"))
    assert len(set(mapping.values())) == len(mapping)
    assert not set(mapping.values()) & rename.RESERVED


def test_rename_never_shadows_a_name_the_function_reads():
    # every curated option but one is already used somewhere in the file
    curated, _ = candidates("rng")
    uses = ", ".join(curated[:-1])
    src = f"import numpy as np\n{uses} = {', '.join('1' for _ in curated[:-1])}\ndef f():\n    rng = np.random.default_rng(0)\n    return rng, {uses}\n"
    text, used = _renamed(src)
    assert used == {"rng": curated[-1]}


# --- reordering ---------------------------------------------------------------------------------
_FRAME = """\
import numpy as np


def helper(v):
    return v * 2


def impure(v):
    print(v)
    return v


def target(x, ys, xs, rng, losses, lr, g, params, model, X, err, n, a, b):
{body}
"""

MOVABLE = [  # VALID: the two statements may trade places
    "w = np.zeros(3)\nb0 = 0.0",
    "dw = X.T @ err / n\ndb = np.sum(err) / n",
    "k = len(xs)\nm = sorted(ys)",
    "p = helper(x)\nq = x.mean(axis=0)",
    "m = np.linalg.norm(x)\nk = x.reshape(-1)",
    "u, v = a + 1, b\nw = [t * 2 for t in xs]",
]
BARRIERS = [  # INVALID: the two statements must never trade places
    "a = x + 1\nb = a * 2",  # read after write
    "c = b\nb = 3",  # write after read
    "a = 1\na = 2",  # write after write
    "u = rng.normal()\nv = rng.normal()",  # each call advances the generator
    "losses.append(a)\nb = 1",  # a method call may change its receiver
    "x -= lr * g\nb = 1",  # arrays change in place
    "params['W'] = x\nb = 1",  # a store into a subscript
    "u = impure(x)\nv = 1",  # a helper with side effects
    "u = print(x)\nv = 1",  # output order
    "u = np.random.normal()\nv = 1",  # numpy's global generator
    "u = np.add(x, 1, out=x)\nv = 1",  # writes into x
    "u = x.clip(0, 1, out=x)\nv = 1",  # so does this method
    "u = model.fit(X)\nv = 1",  # training changes the model
    "u = [rng.random() for _ in range(3)]\nv = 1",  # a call hidden in a comprehension
    "u = (w := 3)\nv = 1",  # walrus
    "u = 1; v = 2\nw = 3",  # two statements on one line
    "if a:\n    u = 1\nv = 2",  # control flow
    "u = 1\nreturn u",  # return
]


def _pair(body: str):
    src = _FRAME.format(body=textwrap.indent(body, "    "))
    module = cst.parse_module(src)
    fn = [s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == "target"][0]
    ctx, local = Context(module), local_names(fn)
    first, second = fn.body.body[0], fn.body.body[1]
    return src, ctx.effects(first, local), ctx.effects(second, local)


@pytest.mark.parametrize("body", MOVABLE)
def test_statements_movable(body):
    src, ea, eb = _pair(body)
    assert ea is not None and eb is not None and ea.independent_of(eb)
    outcomes = {_text(reorder.statements, src, Chooser(f"k{i}"))[0] for i in range(24)}
    assert len(outcomes) == 2, "the pair should be swapped for some keys and kept for others"
    for text in outcomes:
        assert sorted(text.splitlines()) == sorted(src.splitlines())


@pytest.mark.parametrize("body", BARRIERS)
def test_statements_barrier(body):
    src, ea, eb = _pair(body)
    assert ea is None or eb is None or not ea.independent_of(eb)
    for i in range(24):
        assert _text(reorder.statements, src, Chooser(f"k{i}"))[0] == src


def test_nothing_moves_inside_try():
    pair = "u = x + 1\nv = a + 2"
    free = _FRAME.format(body=textwrap.indent(pair, "    "))
    guarded = _FRAME.format(body=textwrap.indent(f"try:\n{textwrap.indent(pair, '    ')}\nexcept ValueError:\n    pass", "    "))
    assert len({_text(reorder.statements, free, Chooser(f"k{i}"))[0] for i in range(24)}) == 2
    for i in range(24):
        assert _text(reorder.statements, guarded, Chooser(f"k{i}"))[0] == guarded


def test_blank_lines_and_comments_stay_in_place():
    src = _FRAME.format(body="    # set up\n    u = 1\n    v = 2\n\n    w = 3\n    return u, v, w")
    for i in range(24):
        text, _ = _text(reorder.statements, src, Chooser(f"k{i}"))
        lines = text.splitlines()
        assert lines[lines.index("    # set up") + 1] == "    u = 1"  # the comment's statement stays under it
        assert "    w = 3" in text.split("\n\n")[-1]  # no statement crosses the blank line


IMPORTS = """\
\"\"\"Doc.\"\"\"
from __future__ import annotations
import os
import sys
from collections import Counter, OrderedDict, defaultdict
import json
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer

X = (os, sys, Counter, OrderedDict, defaultdict, json, IterativeImputer)
"""


def test_imports_permuted_future_docstring_and_side_effect_imports_stay():
    shipped = IMPORTS.splitlines()
    seen = set()
    for i in range(24):
        text, changes = _text(reorder.imports, IMPORTS, Chooser(f"k{i}"))
        lines = text.splitlines()
        assert lines[:2] == shipped[:2]  # docstring, then the __future__ import
        assert lines[6:] == shipped[6:]  # the import kept for its side effect is a fence
        moved = ast.parse("\n".join(lines[2:6])).body
        assert {ast.dump(n) for n in moved if isinstance(n, ast.Import)} == {
            ast.dump(n) for n in ast.parse("\n".join(shipped[2:6])).body if isinstance(n, ast.Import)
        }
        assert sorted(a.name for n in moved if isinstance(n, ast.ImportFrom) for a in n.names) == [
            "Counter", "OrderedDict", "defaultdict"
        ]
        assert bool(changes) == (text != IMPORTS)
        seen.add(text)
    assert len(seen) > 3


FUNCTIONS_VALID = "def a():\n    return b()\n\n\ndef b():\n    return 1\n\n\ndef c(x=1):\n    return x\n"
FUNCTIONS_INVALID = [
    "import functools\n\n\ndef a():\n    return 1\n\n\n@functools.lru_cache\ndef b():\n    return 2\n",  # decorators run at def time
    "def a():\n    return 1\n\n\ndef b(f=a):\n    return f()\n",  # a default names another def of the run
]


def test_functions_permuted():
    orders = set()
    for i in range(24):
        text, _ = _text(reorder.functions, FUNCTIONS_VALID, Chooser(f"k{i}"))
        orders.add(tuple(n.name for n in ast.parse(text).body))
        assert _run(text, "a() + c()") == 2
    assert len(orders) > 2


@pytest.mark.parametrize("src", FUNCTIONS_INVALID)
def test_functions_not_permuted(src):
    for i in range(12):
        assert _text(reorder.functions, src, Chooser(f"k{i}"))[0] == src


# --- constants ----------------------------------------------------------------------------------
CONSTANTS = """\
import numpy as np
from sklearn.ensemble import RandomForestClassifier


def make_data(n_rows=100, seed=0):
    centres = np.random.default_rng(42).normal(size=3)
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_rows, 3)) + centres


def train(X, seed=0, n_iter=50):
    rng = np.random.default_rng(seed)
    return RandomForestClassifier(n_estimators=80, random_state=seed).fit(X, rng.permutation(len(X)))


if __name__ == "__main__":
    X = make_data(seed=0)
    batch = make_data(n_rows=6, seed=1)
    model = RandomForestClassifier(n_estimators=80, random_state=0)
    train(X)
"""


def _defaults(text: str, fn: str) -> dict:
    node = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == fn][0]
    args = node.args.args
    return {a.arg: d.value for a, d in zip(args[len(args) - len(node.args.defaults):], node.args.defaults)}


def test_constants_vary_only_visible_data():
    for i in range(8):
        text, changes = _text(constants.vary, CONSTANTS, Chooser(f"k{i}"), graded={"train"})
        data = _defaults(text, "make_data")
        new0 = data["seed"]
        assert new0 != 0 and round(100 * min(constants.ROW_FACTORS)) <= data["n_rows"] <= round(100 * max(constants.ROW_FACTORS))
        assert _defaults(text, "train") == {"seed": 0, "n_iter": 50}  # the grader runs train: untouched
        assert "def train(X, seed=0, n_iter=50):\n    rng = np.random.default_rng(seed)" in text
        assert f"make_data(seed={new0})" in text and f"random_state={new0})" in text  # same old seed, same new seed
        new1 = int(text.split("make_data(n_rows=6, seed=")[1].split(")")[0])
        assert new1 not in (0, 1, new0)
        assert "default_rng(42)" not in text and "n_estimators=80" in text
        assert f"data seed 0 -> {new0}" in changes


def test_manifest_variants_table_is_read_and_checked():
    import dataclasses

    ex = exercise("gradient_sign/linreg-batch")
    frozen = dataclasses.replace(ex, extra={"variants": {"frozen": ["make_data.n_rows", "make_data.seed"]}})
    v = make_variant(frozen, ex.path.read_text(), KEYS[0])
    assert "def make_data(n_rows=200, seed=0):" in v.text and not any("seed" in c or "n_rows" in c for c in v.changes)
    bad = dataclasses.replace(ex, extra={"variants": {"constants": "train.lr"}})
    with pytest.raises(VariantError, match="function.parameter"):
        make_variant(bad, ex.path.read_text(), KEYS[0])


def test_constants_follow_the_manifest_lists():
    text, _ = _text(
        constants.vary,
        CONSTANTS, Chooser("k"), graded={"train"}, allowed=frozenset({"train.n_iter"}), frozen=frozenset({"make_data.n_rows"})
    )
    assert _defaults(text, "make_data")["n_rows"] == 100
    assert _defaults(text, "train")["n_iter"] != 50 and _defaults(text, "train")["seed"] == 0


# --- what is protected ----------------------------------------------------------------------------
def test_protected_names_come_from_the_grader_its_config_and_its_probe():
    from bughunt.grader import load_grader

    ex = exercise("gradient_sign/linreg-batch")
    grader = load_grader(ex.grader_path)
    names = protected_names(ex)
    assert {"gradients", "train"} <= names
    told = {v for v in grader.config().values() if isinstance(v, str) and v.isidentifier()}
    assert told and told <= names
    probe_file = importlib.util.find_spec(grader.probe_name.partition(":")[0]).origin
    strings = {n.value for n in ast.walk(ast.parse(open(probe_file).read())) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert {s for s in strings if s.isidentifier()} <= names


def test_graded_functions_follow_calls():
    ex = exercise("gradient_sign/linreg-batch")
    module = cst.parse_module(ex.path.read_text())
    assert graded_functions(module, protected_names(ex)) == {"train", "gradients", "loss", "predict"}


# --- whose variant is this? -------------------------------------------------------------------------
MATCH_EXERCISES = ("gradient_sign/linreg-batch", "leakage/scaler-before-split", "sigmoid/softmax-max")
STUDENTS = [f"s{i:02d}" for i in range(12)]


@pytest.mark.parametrize("ex_id", MATCH_EXERCISES)
def test_match_variant_finds_the_student(ex_id):
    ex = exercise(ex_id)
    handed = {s: broken_and_fixed(ex, variant_key(2024, s, ex_id)) for s in STUDENTS}
    candidates = {s: bf[0].renames for s, bf in handed.items()}
    for s, (broken, fixed) in handed.items():
        assert match_variant(broken.text, candidates) == s
        assert match_variant(fixed.text, candidates) == s  # a fixed submission still carries the names
        # a copy whose owner's names were partly renamed back is still recognised
        renamed_back = fixed.text
        for old, new in sorted(broken.renames.items())[:2]:
            renamed_back = re.sub(rf"\b{new}\b", old, renamed_back)
        assert match_variant(renamed_back, candidates) == s
    assert match_variant(ex.path.read_text(), candidates) is None
    assert match_variant("this is not python (", candidates) is None
    # a union over exercises dilutes every student's share: nobody, rather than the wrong student
    union = {s: {**candidates[s], **{f"other:{k}": v + "_elsewhere" for k, v in candidates[s].items()}} for s in STUDENTS}
    assert match_variant(handed[STUDENTS[0]][0].text, union) is None


def test_match_variant_needs_a_clear_winner():
    same = {"X": "features", "y": "labels", "w": "weights", "b": "bias"}
    text = "features = 1\nlabels = 2\nweights = 3\nbias = 4\n"
    assert match_variant(text, {"a": same, "b": dict(same)}) is None  # two students, identical names
    assert match_variant(text, {"a": same, "b": {"X": "inputs"}}) == "a"
    assert match_variant("features = 1\n", {"a": same, "b": {"X": "inputs"}}) is None  # one name is coincidence
    assert match_variant("# features labels weights bias\nx = 1\n", {"a": same}) is None  # only in a comment
