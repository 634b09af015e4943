"""The pipeline limits BLAS to one thread per process, unless the user chose a number."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

from neurofeedback.pipeline import threads
from neurofeedback.pipeline.pipeline import Pipeline


def _blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_first_pipeline_limits_blas_to_one_thread(monkeypatch):
    for v in threads.USER_SETTINGS:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(threads, "_done", False)
    with threadpool_limits(2, user_api="blas"):  # restored when the test ends
        assert _blas_threads() == {2}
        Pipeline(250.0, ["Fp1", "Fp2", "O1", "O2"])
        assert _blas_threads() == {1}
        assert threads.one_blas_thread() is False  # once per process


def test_a_users_own_setting_wins(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(threads, "_done", False)
    with threadpool_limits(2, user_api="blas"):
        assert threads.one_blas_thread() is False
        assert _blas_threads() == {2}
