"""The pipe format between the grading process and the sandboxed child."""
from __future__ import annotations

import numpy as np
import pytest

from bughunt.sandbox import wire


@pytest.mark.parametrize(
    "value",
    [np.array(1.5), np.array(3, dtype=np.int64), np.arange(6.0).reshape(2, 3).T, np.zeros((0, 3)), np.array([True, False])],
    ids=["0-d float", "0-d int", "transposed", "empty", "bool"],
)
def test_arrays_keep_shape_dtype_and_values(value):
    back = wire.loads(wire.dumps({"x": value}))["x"]
    assert back.shape == value.shape and back.dtype == value.dtype and np.array_equal(back, value)


def test_nesting_beyond_the_cap_is_refused_before_parsing():
    deep = "[" * (wire.MAX_DEPTH + 1) + "]" * (wire.MAX_DEPTH + 1)
    with pytest.raises(wire.WireError):
        wire.loads(deep)
    assert wire.loads('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"a": "[" * 41}


def test_an_array_larger_than_its_data_is_refused():
    with pytest.raises(wire.WireError):
        wire.loads('{"__nd__": "float64", "shape": [1000], "data": ""}')
