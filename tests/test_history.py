"""SlidingHistory: the span it returns equals concatenating the history and the new samples."""

import numpy as np
import pytest

from neurofeedback.pipeline.history import SlidingHistory


@pytest.mark.parametrize("fresh_every", [0, 3])
def test_span_equals_concatenation(fresh_every):
    rng = np.random.default_rng(0)
    hist = SlidingHistory(5, keep=40, room=30)
    tail = np.zeros((5, 40))
    for k, m in enumerate([7, 25, 1, 29, 30, 31, 200, 3, 25, 25, 25, 12]):
        a, b = rng.standard_normal((2, m)), rng.standard_normal((3, m))
        fresh = bool(fresh_every) and k % fresh_every == 0
        span = hist.append(a, b, fresh=fresh)
        want = np.concatenate([tail, np.concatenate([a, b])], axis=1)
        np.testing.assert_array_equal(span, want)
        assert span.shape == (5, 40 + m)
        if fresh:
            assert span.flags.c_contiguous and not np.shares_memory(span, hist._buf)
        tail = want[:, -40:]


def test_bad_sizes_refused():
    with pytest.raises(ValueError, match="room"):
        SlidingHistory(2, 10, 0)
