"""Building a source and a session from a :class:`~neurofeedback.app.spec.SessionSpec`.

The one place that turns a description into running parts, for the command line and the Qt
window alike.
"""

from __future__ import annotations

import logging
import math
import time

from ..errors import UsageError, setting
from ..io.session_folder import read_meta, session_dir_of
from ..offline import stored_pipeline_config
from ..outputs.osc import OscOutput, parse_target
from ..pipeline.config import PipelineConfig
from ..pipeline.warmup import compile_kernels
from ..protocols import Protocol, load_protocol
from ..protocols.schema import protocol_from_dict
from ..session import Session
from ..simulate.scenarios import get_scenario
from ..sources.base import Source
from ..sources.factory import make_replay_source, make_source
from ..sources.lsl_markers import LslMarkers
from .spec import SessionSpec
from .vocab import SOURCE_KINDS

log = logging.getLogger(__name__)


def build_source(spec: SessionSpec) -> Source:
    """The source ``spec`` describes (not started).

    Raises
    ------
    UsageError
        ``spec.kind`` is not one of :data:`~neurofeedback.app.vocab.SOURCE_KINDS`, a board name
        or a replay path is empty, or an option does not apply to the source.
    NeurofeedbackError
        A one-line message when the board name, its options or the file are wrong.
    """
    if spec.source is not None:
        return spec.source
    if spec.kind not in SOURCE_KINDS:
        raise UsageError(f"source kind must be one of {', '.join(SOURCE_KINDS)}; got {spec.kind!r}")
    opts = dict(spec.options)
    channels = opts.get("channels") or None
    if spec.kind == "replay":
        if not spec.replay_path.strip():
            raise UsageError("choose a file to replay (an EEG file or a session folder)")
        return make_replay_source(spec.replay_path, speed=spec.speed, start_s=spec.start_s,
                                  board=spec.replay_board, channels=channels,
                                  sfreq=spec.replay_sfreq, annotations=spec.replay_annotations)
    if spec.scenario_duration_s is not None and spec.kind != "simulated":
        raise UsageError(
            f"{setting('scenario_duration_s', '--scenario-duration')} only applies to the simulator "
            f"(kind 'simulated'); got kind {spec.kind!r}"
        )
    if spec.kind == "simulated":
        # spec.duration_s only stops the session (like any source); the scenario's own length
        # is spec.scenario_duration_s: None runs its repeating live cycle
        check_scenario_duration(spec.scenario, spec.scenario_duration_s)
        return make_source("simulated", scenario=spec.scenario, seed=spec.seed, sim_speed=spec.speed,
                           channels=channels, scenario_duration_s=spec.scenario_duration_s)
    board = "synthetic" if spec.kind == "synthetic" else spec.board
    if not board.strip():
        raise UsageError("enter a board name, e.g. cyton, cyton-daisy, ganglion or a BrainFlow BoardIds name")
    return make_source(
        board,
        serial_port=str(opts.get("serial_port", "") or ""),
        mac_address=str(opts.get("mac_address", "") or ""),
        ip_address=str(opts.get("ip_address", "") or ""),
        ip_port=int(opts.get("ip_port", 0) or 0),
        board_file=str(opts.get("board_file", "") or ""),
        master_board=str(opts.get("master_board", "") or ""),
        channels=channels,
        verbose=bool(opts.get("verbose", False)),
        sim_speed=spec.speed,
        lsl_name=str(opts.get("lsl_name", "") or ""),
        lsl_type=str(opts.get("lsl_type", "") or ""),
        lsl_source_id=str(opts.get("lsl_source_id", "") or ""),
    )


def check_scenario_duration(scenario: str, scenario_duration_s: float | None) -> None:
    """Check a simulator scenario length before the source is built.

    Parameters
    ----------
    scenario : str
        Scenario name (one of :data:`~neurofeedback.app.vocab.SCENARIOS`).
    scenario_duration_s : float or None
        Seconds the scenario is scaled to, or None (its cycle repeats; always valid).

    Raises
    ------
    UsageError
        ``scenario`` is unknown, or ``scenario_duration_s`` is not a finite number of seconds
        at least the scenario's minimum.
    """
    if scenario_duration_s is None:
        return
    least = get_scenario(scenario).min_duration_s
    d = float(scenario_duration_s)
    if not (math.isfinite(d) and d >= least):
        raise UsageError(
            f"{setting('scenario_duration_s', '--scenario-duration')} for scenario {scenario} must be "
            f"a number of seconds >= {least:g} (or left out to repeat its cycle); got {scenario_duration_s!r}"
        )


def pipeline_config(baseline_s: float | None) -> PipelineConfig | None:
    """Pipeline settings for a baseline block of ``baseline_s`` seconds (None: the defaults).

    Raises
    ------
    UsageError
        ``baseline_s`` is not > 0.
    """
    if baseline_s is None:
        return None
    if not baseline_s > 0:
        raise UsageError(
            f"{setting('baseline_s', '--baseline')} must be a number of seconds > 0; "
            f"got {baseline_s:g}"
        )
    return PipelineConfig(baseline=(0.0, float(baseline_s)))


def load_spec_protocol(spec: SessionSpec) -> Protocol | None:
    """The protocol ``spec`` names, loaded and validated (None without one, or ``none``).

    A replay of one of our session folders without ``--protocol`` runs the protocol the session
    was recorded with (stored in its ``session.json``), so its scores are the ones shown live.
    """
    if spec.protocol and spec.protocol.strip().lower() == "none":
        return None
    if spec.protocol:
        return load_protocol(spec.protocol)
    if spec.kind == "replay" and spec.replay_path:
        folder = session_dir_of(spec.replay_path)
        recorded = read_meta(folder).get("protocol") if folder is not None else None
        if isinstance(recorded, dict):
            protocol = protocol_from_dict(recorded, source=f"{folder}/session.json")
            log.info("replaying with the protocol the session was recorded with (%s); "
                     "--protocol none replays without one", protocol.name)
            return protocol
    return None


def build_session(spec: SessionSpec) -> Session:
    """A :class:`~neurofeedback.session.Session` (not started) for ``spec``: protocol, baseline,
    source and recording. The protocol and the options are checked before the source opens. A
    replay of one of our session folders without ``--baseline`` uses the pipeline settings the
    session stored (its baseline block included), so its numbers are the live ones."""
    protocol = load_spec_protocol(spec)
    cfg = pipeline_config(spec.baseline_s)
    # a fresh install compiles its kernels now, not while the source delivers samples
    compile_kernels()
    if cfg is None and spec.kind == "replay" and spec.replay_path:
        # a replay of one of our sessions runs the pipeline settings it was recorded with
        folder = session_dir_of(spec.replay_path)
        if folder is not None:
            cfg = stored_pipeline_config(read_meta(folder))
    outputs: list = [OscOutput(*parse_target(spec.osc))] if spec.osc else []
    source = build_source(spec)
    if spec.lsl_out:
        # (imported here: liblsl is loaded only when LSL is used)
        from ..outputs.lsl import LslOutput

        stamp = time.strftime("%Y%m%d-%H%M%S")
        session_id = f"neurofeedback-{stamp}-{source.info.board_name or source.info.name}"
        outputs.append(LslOutput(source.info.ch_names, source.info.sfreq, session_id))
    return Session(
        source,
        record_dir=spec.record_dir if spec.record else None,
        record_folder=spec.record_folder if spec.record else None,
        pipeline_config=cfg,
        protocol=protocol,
        duration_s=spec.duration_s,
        extra_meta={"frontend": spec.frontend},
        outputs=outputs,
        markers_in=LslMarkers(spec.lsl_markers) if spec.lsl_markers else None,
    )
