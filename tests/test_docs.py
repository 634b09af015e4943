"""The generated documentation pages follow the code and the measurements they are made from."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from neurofeedback.pipeline.features import FEATURE_COLUMNS, FEATURES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_pages", ROOT / "docs" / "gen_pages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_feature_page_lists_every_column_in_csv_order(gen):
    page = gen.features_page(FEATURES)
    assert ",".join(FEATURE_COLUMNS) in page.splitlines()
    rows = [line.split(" | ")[0].strip("| `") for line in page.splitlines()
            if line.startswith("| `")]
    others = [f.name for f in FEATURES if f.name not in FEATURE_COLUMNS]
    # the csv columns in their order, then every other frame attribute, then the stage legend
    assert rows[: len(FEATURES)] == [*FEATURE_COLUMNS, *others]
    assert set(rows[len(FEATURES):]) == {f.stage for f in FEATURES}


def test_benchmark_page_shows_results_json_values(gen):
    page = gen.benchmarks_page({"update_ms": 1.4528, "speedup_vs_reference": 42.92,
                                "offline_realtime_factor": 222.7, "offline_measured_minutes": 60.0})
    assert "| (a) full pipeline, median cost per live frame | 1.45 ms | <= 0.5 ms |" in page
    assert "| speed-up, same outputs | 43x | >= 20x |" in page
    assert "| (c) offline analysis of 60 min (features.csv + bandpower.csv written) " \
           "| 223x real time | >= 1000x |" in page
    assert "| (d) RSS growth over a long session | not measured | < 50 MB |" in page


def test_committed_pages_are_current(gen):
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert (ROOT / "docs" / "features.md").read_text() == gen.features_page(FEATURES)
    assert (ROOT / "docs" / "benchmarks.md").read_text() == gen.benchmarks_page(results)
