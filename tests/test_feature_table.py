"""The feature table is the single declaration behind FeatureFrame and features.csv."""

from __future__ import annotations

import csv
import dataclasses
import io
import math

import numpy as np

from neurofeedback.analyze import feature_line
from neurofeedback.pipeline.features import BANDS, FEATURE_COLUMNS, FEATURES, feature_row
from neurofeedback.pipeline.frame import FeatureFrame


def test_frame_fields_are_the_table_rows_in_order():
    assert [f.name for f in dataclasses.fields(FeatureFrame)] == [f.name for f in FEATURES]
    assert FEATURE_COLUMNS == tuple(f.name for f in FEATURES if f.column)
    assert FEATURE_COLUMNS[0] == "time_s" and FEATURE_COLUMNS[-len(BANDS):] == tuple(BANDS)
    for f in FEATURES:  # every row is documented in the frame's docstring
        assert f"{f.name} : {f.kind}" in FeatureFrame.__doc__


def test_row_formatting_and_quoting_match_csv_writer():
    fr = FeatureFrame(time_s=2.1, energy=1.234567891, synchrony=math.nan, phase="heating",
                      artifact=True, bad_channels=("O1", "weird,name"),
                      bands={"alpha": 20.5, "theta": np.float64(3.0)})
    row = feature_row(fr)
    assert row[FEATURE_COLUMNS.index("energy")] == "1.23457"
    assert row[FEATURE_COLUMNS.index("synchrony")] == ""
    assert row[FEATURE_COLUMNS.index("artifact")] == "1"
    assert row[FEATURE_COLUMNS.index("alpha")] == "20.5"
    assert row[FEATURE_COLUMNS.index("gamma")] == ""  # band missing from the dict
    buf = io.StringIO()
    csv.writer(buf).writerow(fr.to_row())
    assert feature_line(fr) == buf.getvalue()  # the quoted name goes through csv.writer
    assert '"O1;weird,name"' in feature_line(fr)
    fresh = FeatureFrame(time_s=0.0)
    assert fresh.phase == "baseline" and fresh.meditation_score == 0.0
    assert fresh.band_power.shape == (0, len(BANDS)) and fresh.bands == {}
    assert FeatureFrame(time_s=0.0).bands is not fresh.bands  # fresh mutable defaults
