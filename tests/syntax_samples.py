"""Syntax samples for the tests that compare our libcst walks with libcst's own.

ZOO: syntax the exercises rarely use, none of it typing constructs, string annotations or
type parameters (what scopes.Resolver mirrors). TYPED: those three. UNUSUAL: both, so that
every node class a student might write is walked (some of it is Python 3.12 syntax: libcst
parses it, this Python may not compile it).
"""

ZOO = '''
from __future__ import annotations
import os.path, os.path as osp, numpy as np, numpy.linalg
from . import sibling
from ..pkg.mod import (a as b, c)
from json import *
x: int = 1
y: list
del x
counter = 0
def outer(p, /, q=np.e, *args, r: float = counter, **kw) -> np.ndarray:
    global counter
    counter += 1
    v = p
    def inner(w=v):
        nonlocal v
        v += 1
        return v, w, os.path.join(osp.sep, q)
    @staticmethod
    def deco(): ...
    return inner
class K(object, metaclass=type):
    attr = [i * j for i in range(3) if i for j in range(i)]
    d = {k: v for k, v in zip("ab", "cd")}
    g = (attr for n in attr)
    np = np
    def method(self, *, key=lambda z=attr: z + 1, other=np):
        attr = self.attr
        return super().method(key=key), np.exp(attr), K.attr, numpy.linalg.norm
    class Inner:
        def f(self):
            return attr, K
async def co():
    async with ctx() as (a, *rest):
        async for item in aiter():
            await item
    return [x async for x in aiter()]
try:
    pass
except (ValueError, TypeError) as err:
    raise RuntimeError("x") from err
match command:
    case [1, *others] if others: pass
    case {"k": v, **rest}: pass
    case Point(x=0, y=yy) | Point(0, yy): pass
    case str() as s: pass
    case _: pass
if (n := len(osp.sep)) > 1:
    print(f"{n!r:>{10}} {n=} {'nested' + f'{n}'}", sep="", end="\\n")
lam = lambda: (yield)
t = a if b else c; u = not a or b and -c ** ~d @ e
s = x[1:2, ::3, ...]
w = (1,) + (*[2],) + [*{3}] + [{**{}}]
with open("f") as fh, open("g"): pass
for i, (j, k) in enumerate(pairs):
    np = i
else:
    np.exp(j)
np.exp(a).sum().clip(0, 1)
(a + b).c.d
sorted(xs, key=len)
len = 3
print(len)
while False:
    break
else:
    assert x, "message"
try:
    pass
except* (ValueError, OSError) as group:
    pass
else:
    pass
finally:
    pass
'''

TYPED = '''
from typing import *
z: "list[int]"
def annotated(p: "np.ndarray") -> "np.ndarray":
    return p
type Alias[T: int, *Ts, **P] = list[T]
def generic[T](arg: T) -> T: return arg
class Box[T]: pass
'''

UNUSUAL = ZOO + TYPED
