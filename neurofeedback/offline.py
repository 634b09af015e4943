"""The live pipeline fed a whole loaded file: the frames every offline consumer starts from.

Offline analysis (:mod:`neurofeedback.analyze`), the quality summary
(:mod:`neurofeedback.quality_summary`) and the report (:mod:`neurofeedback.report`) all read
frames from :func:`iter_frames`, so they see exactly what a live session would have computed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from .errors import FileFormatError, ProtocolError, UsageError
from .io._common import fname
from .io.loaded import LoadedFile
from .io.marker_labels import phase_start
from .io.session_folder import quantized
from .pipeline.config import PipelineConfig
from .pipeline.frame import FeatureFrame
from .pipeline.pipeline import Pipeline
from .pipeline.quality import whole_file_status
from .protocols import protocol_from_dict

log = logging.getLogger(__name__)

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
        # on raw.csv's 1e-6 uV grid, as a live session feeds its pipeline (a replay of this
        # file, a recording of it and this analysis agree bit for bit)
        frames = pipe.push(quantized(chunk))
        if progress is not None:
            progress(chunk.shape[1])
        yield frames


def stored_pipeline_config(meta: Any) -> PipelineConfig | None:
    """The pipeline settings a session stored in its ``session.json`` (``pipeline``: every
    setting, the baseline block in force included), or None when it stored none or they do
    not validate (logged)."""
    stored = meta.get("pipeline") if isinstance(meta, dict) else None
    if stored is None:
        return None
    try:
        return PipelineConfig.from_dict(stored)
    except UsageError as exc:
        log.warning("the pipeline settings stored with the recording could not be used (%s); "
                    "they are rebuilt from its protocol", exc)
        return None


def session_config(loaded: LoadedFile, meta: dict[str, Any]) -> PipelineConfig:
    """The pipeline settings a recorded session ran with, so that offline analysis, the report
    and replay compute what the live session did.

    Those it stored (:func:`stored_pipeline_config`). For sessions recorded before settings
    were stored: the stored protocol's settings (integration band, feedback response;
    :meth:`~neurofeedback.protocols.schema.Protocol.pipeline_settings`, as the live session
    applied them) and its first baseline phase, placed where its ``phase:<label>:start``
    marker says. Pipeline defaults for files that are not sessions, and when a stored protocol
    does not validate or a marker places the baseline impossibly (with a warning).
    """
    recorded = stored_pipeline_config(meta)
    if recorded is not None:
        return recorded
    # sessions recorded before the settings were stored: rebuilt from the protocol
    stored = meta.get("protocol") if isinstance(meta, dict) else None
    if not isinstance(stored, dict) or not stored:
        return PipelineConfig()
    try:
        proto = protocol_from_dict(stored, source=f"{fname(loaded.path)}/session.json:protocol")
    except ProtocolError as exc:
        log.warning("the protocol stored with the recording could not be read (%s); the "
                    "default pipeline settings are used", exc)
        return PipelineConfig()
    config = PipelineConfig(**proto.pipeline_settings())
    starts = {label: t for t, label in loaded.markers}
    for ph in proto.phases:
        if ph.kind.startswith("baseline"):
            t0 = starts.get(phase_start(ph.label))
            if t0 is not None:
                try:
                    config = replace(config, baseline=(float(t0), float(t0) + ph.duration_s))
                except UsageError as exc:
                    log.warning("the baseline phase's marker cannot place the baseline (%s); "
                                "the default block is used", exc)
            break
    return config
