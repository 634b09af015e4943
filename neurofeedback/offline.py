"""The live pipeline fed a whole loaded file: the frames every offline consumer starts from.

Offline analysis (:mod:`neurofeedback.analyze`), the quality summary
(:mod:`neurofeedback.quality_summary`) and the report (:mod:`neurofeedback.report`) all read
frames from :func:`iter_frames`, so they see exactly what a live session would have computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .errors import FileFormatError
from .io._common import fname
from .io.loaded import LoadedFile
from .pipeline.config import PipelineConfig
from .pipeline.frame import FeatureFrame
from .pipeline.pipeline import Pipeline
from .pipeline.quality import whole_file_status

#: Length of the chunks a file is pushed in (s); frames do not depend on it.
CHUNK_S = 60.0


def iter_frames(
    loaded: LoadedFile,
    config: PipelineConfig | None = None,
    progress: Callable[[int], None] | None = None,
    pipe: Pipeline | None = None,
) -> Iterator[list[FeatureFrame]]:
    """Run the pipeline over a loaded file, yielding the frames of each 60-s chunk.

    Parameters
    ----------
    loaded : LoadedFile
        Data in uV, shape (n_channels, n_samples).
    config : PipelineConfig or None
        Pipeline settings (default: the pipeline's defaults); ignored when ``pipe`` is given.
    progress : callable or None
        Called with the number of samples processed in each chunk.
    pipe : Pipeline or None
        A fresh pipeline to use (default: one made for ``loaded`` and ``config``).

    Yields
    ------
    list of FeatureFrame
        The frames completed by one chunk (possibly none).
    """
    if pipe is None:
        pipe = Pipeline(loaded.sfreq, list(loaded.ch_names), config, loaded.rail_uv)
    status = whole_file_status(loaded.data, loaded.rail_uv, pipe.cfg.flat_uv)
    if "ok" not in status:
        n_rail = status.count("railed")
        raise FileFormatError(
            f"{fname(loaded.path)}: no channel carries usable EEG: all {len(status)} channels "
            f"railed or flat ({n_rail} railed, {len(status) - n_rail} flat); check the "
            "electrodes, the reference and the board's gain"
        )
    step = max(1, int(CHUNK_S * loaded.sfreq))
    for s in range(0, loaded.n_samples, step):
        chunk = loaded.data[:, s : s + step]
        frames = pipe.push(chunk)
        if progress is not None:
            progress(chunk.shape[1])
        yield frames


def session_config(loaded: LoadedFile, meta: dict[str, Any]) -> PipelineConfig:
    """The pipeline settings a recorded session ran with, so that offline analysis, the report
    and replay compute what the live session did: the integration band from the stored
    protocol; the baseline block is the protocol's first baseline phase, placed where its
    ``phase:<label>:start`` marker says (pipeline defaults otherwise, and for files that are
    not sessions recorded with a protocol)."""
    kwargs: dict[str, Any] = {}
    proto = meta.get("protocol") or {}
    band = proto.get("integration_band")
    if band:
        kwargs["integration_band"] = (float(band[0]), float(band[1]))
    starts = {label: t for t, label in loaded.markers}
    for ph in proto.get("phases", []):
        if str(ph.get("kind", "")).startswith("baseline"):
            t0 = starts.get(f"phase:{ph.get('label')}:start")
            if t0 is not None:
                kwargs["baseline"] = (float(t0), float(t0) + float(ph["duration_s"]))
            break
    return PipelineConfig(**kwargs)
