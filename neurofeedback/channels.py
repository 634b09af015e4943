"""Channel names: 10-20 spelling, OpenBCI default layouts and the ``--channels`` override.

Normalisation only fixes *spelling*: case (``FP1`` -> ``Fp1``), a type prefix (``EEG Fp1``),
a reference suffix (``Fp1-REF``, ``Fp1-A1``, ``EEG FP1-LE``) and trailing dots or spaces
(``Cz..``). It never renames an electrode: the old names ``T3 T4 T5 T6`` stay as they are, a
bipolar derivation of two scalp sites (``Fp1-F3``) keeps both sites, and names that are not
10-20/10-10/10-05 sites (``EXG Channel 0``, ``ECG ECG``) are returned unchanged apart from
surrounding white space.

The reference list of correctly spelled names is MNE's ``standard_1005`` montage (343 names,
including ``T3``-``T6``, ``A1``/``A2`` and ``M1``/``M2``).
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections.abc import Sequence

import numpy as np

from .errors import UsageError, setting

log = logging.getLogger(__name__)

#: Reference electrodes / reference schemes that may follow a site name after ``-``.
REFERENCE_SUFFIXES = frozenset(
    {"REF", "LE", "RE", "AVG", "AV", "AVE", "AR", "CAR", "A1", "A2", "M1", "M2", "A1A2",
     "M1M2", "LM", "RM", "MAST", "EAR", "EARS", "AVERAGE", "LINKED",
     # the MASS sleep cohort: computed linked ears, linked-ear reference
     "CLE", "LER"}
)
#: Between the two electrodes of a derivation: ``C3-A2``, ``C3:M2`` (some sleep systems),
#: ``C3_M2`` (the Dreem open datasets), with or without spaces.
_DERIVATION_SEP = re.compile(r"\s*[-:_]\s*")


def derivation_parts(label: str) -> list[str]:
    """The electrodes of a derivation label: ``"C3-A2"``, ``"C3:M2"``, ``"C3_M2"`` ->
    ``["C3", "A2"]`` (or ``["C3", "M2"]``); a single electrode -> ``[label]``."""
    return _DERIVATION_SEP.split(str(label).strip())
#: Sites that are reference electrodes themselves (ears, mastoids).
REFERENCE_SITES = frozenset({"A1", "A2", "M1", "M2"})

#: Labels of signals that are not EEG, whatever type a file gives them: a prefix not followed
#: by a letter (``EKG1-REF``, ``CQ_AF3``, ``GYROX``), after an optional ``EEG`` or ``POL``
#: (Nihon Kohden) type prefix; or a word that is never the start of an electrode name, whatever
#: follows (``MarkerIndex``, ``BatteryPercent``, ``OriginalTimestamp``). Polysomnography (ECG,
#: EOG and its Neuroscan ``HEO``/``VEO`` and canthus ``LUC``/``RLC`` forms, LOC/ROC, EMG, chin,
#: legs, respiration, SpO2, position, ...), clinical EEG systems' extra channels (TUH:
#: ``PHOTIC``, ``IBI``, ``BURSTS``, ``SUPPR``; Nihon Kohden ``DC``; Natus ``X``),
#: trigger/status channels, and consumer headsets' bookkeeping (Emotiv: ``COUNTER``,
#: ``INTERPOLATED``, ``RAW_CQ``, ``CQ_*``, ``EQ_*``, ``GYRO*``, ``MARKER``, ``BATTERY``,
#: ``TIME_STAMP``, band powers ``POW.*``, metrics ``PM.*``). No 10-05 site name starts with any
#: of them.
_NON_EEG_LABEL = re.compile(
    r"^(?:(?:EEG|POL)[ ._:]?)?(?:"
    r"(?:ECG|EKG|EOG|VEOG|HEOG|HEO|VEO|LOC|ROC|LUC|LLC|RUC|RLC|EMG|CHIN|LEG|LLEG|RLEG|RESP|SPO2|"
    r"SAO2|PULSE|PLETH|HR|STATUS|TRIG|TRIGGER|STI|STIM|TEMP|EVENT|MARKERS?|POSITION|POS|LIGHT|"
    r"SNORE|FLOW|AIRFLOW|NASAL|THOR|ABDO|HYPNOGRAM|PHOTIC|IBI|BURSTS|SUPPR|DC|X|COUNTER|"
    r"INTERPOLATED|RAW_?CQ|CQ|EQ|GYRO[XYZ]?|ACC[XYZ]?|MAG[XYZ]?|MOT|BATTERY|TIME|TIMESTAMP|"
    r"SAMPLE|SAMPLEINDEX|INDEX|PACKET|SYNC|POW|PM|"
    # motion sensors and device columns written out in words (g.tec Unicorn, Muse, OpenBCI
    # GUI), skin conductance and pulse sensors
    r"ACCEL|ACCELEROMETER|GYROSCOPE|MAGNETOMETER|VALIDATION|QUALITY|BATT|AUX|ANALOG|DIGITAL|"
    r"HEADBANDON|HSI|GSR|EDA|PPG|BVP|"
    # the CAP sleep database's leg EMG (DX right, SX left), snore microphone, status
    r"DX|SX|MIC|STAT)(?![A-Za-z])"
    r"|MARKER|BATTERY|COUNTER|TIMESTAMP|ORIGINALTIMESTAMP"
    # EOG with its side or direction written on: HEOGL, VEOGb (MNE's BrainVision names), EOGV,
    # LEOG, REOG
    r"|[HV]EOG[A-Z]*|EOG[HVLRUD](?![A-Za-z])|[LR]EOG(?![A-Za-z])"
    # the AASM's EOG electrodes E1 and E2 against a mastoid, an ear or Fpz (E1-M2, E2:M1,
    # E1-Fpz); an EGI net's E1 alone is EEG
    r"|E[12]\s*[-:_]\s*(?:[AM][12]|FPZ)(?![0-9A-Za-z]))",
    re.IGNORECASE,
)


def is_non_eeg_label(label: str) -> bool:
    """True when a channel label names a signal that is not EEG (see ``_NON_EEG_LABEL``).

    Parameters
    ----------
    label : str
        A channel label as found in a file, e.g. ``"EEG EKG1-REF"``, ``"CQ_AF3"``, ``"Fp1"``.

    Returns
    -------
    bool
        ``True`` for ``ECG``, ``EEG EKG1-REF``, ``PHOTIC-REF``, ``GYROX``, ``COUNTER`` ...;
        ``False`` for every 10-05 site (``Fp1``, ``POz``, ``T7``, ``Cz``) and for ``Ch1``.
    """
    return bool(_NON_EEG_LABEL.match(str(label).strip()))


#: Physical dimensions of signals that are not voltages (an EDF/BDF header's per-signal field):
#: oximetry, heart rate, temperature, pressure, flow, impedance, skin conductance, position,
#: motion, light, sound. Written case-insensitively, with or without a space.
_NON_VOLTAGE_UNIT = re.compile(
    r"^(?:%|%\s*s[ap]o2|s[ap]o2|bpm|beats?/min|1/min|/min|min-1|deg ?c|°c|degc|deg ?f|°f|k|mmhg|cmh2o|mbar|"
    r"bar|k?pa|hpa|l/min|lpm|l/s|ml|l|k?ohms?|[kmµu]?Ω|[µu]s|[µu]?siemens|ms|hz|db|dba|g|mg|"
    r"m/s\^?2|m/s²|deg|degrees?|°|rad|lux|lx|rpm|kg|cm|mm|n|nm|[µu]t|nt|gauss)$",
    re.IGNORECASE,
)


def is_non_voltage_unit(unit: str) -> bool:
    """True when a signal's physical dimension names something other than a voltage.

    Parameters
    ----------
    unit : str
        As an EDF/BDF header writes it: ``"uV"``, ``"%"``, ``"bpm"``, ``"DegC"``, ``""``.

    Returns
    -------
    bool
        ``True`` for ``%``, ``bpm``, ``degC``, ``mmHg``, ``L/min``, ``Ohm``, ``uS`` and the other
        units of polysomnography's and wearables' sensors; ``False`` for voltages (``uV``,
        ``µV``, ``mV``, ``V``), an empty field and anything not recognised (an EEG channel is
        never dropped for an odd unit).
    """
    return bool(_NON_VOLTAGE_UNIT.match(str(unit).strip()))


_BIOSEMI_LABEL = re.compile(r"^([A-H])([1-9][0-9]?)$", re.IGNORECASE)
#: BioSemi's external electrodes (mastoids, EOG, ECG: not scalp EEG).
_BIOSEMI_EXTERNAL = re.compile(r"^EXG\d+$", re.IGNORECASE)


def biosemi_names(names: Sequence[str]) -> list[str | None] | None:
    """BioSemi cap labels (``A1``-``A32``, ``B1``...) renamed for what they are.

    BioSemi ActiveTwo files label the electrodes by cap position: ``A1``-``A32``, then
    ``B1``-``B32`` ... There ``A1`` and ``A2`` are scalp electrodes, not the 10-20 ear sites,
    and on caps of 128 or more ``C3`` or ``F8`` are radial positions, not 10-20 sites. The 32-
    and 64-electrode caps have a fixed 10-20 layout (MNE's ``biosemi32`` and ``biosemi64``
    montages, in label order).

    Parameters
    ----------
    names : sequence of str
        Channel labels (EEG only).

    Returns
    -------
    list or None
        None when the labels are not BioSemi's (fewer than 8 ``A`` labels, or fewer than 4
        labels that are no 10-05 site: a 10-20 file's ``C3``, ``F8``, ``A1`` fit the pattern
        too, and EGI's ``E1``... carry no ``A``). Otherwise one entry per label: on a 32- or
        64-electrode cap (labels ``A1``-``A32`` [and ``B1``-``B32``] exactly, in any order,
        beside other channels) the cap label's 10-20 name; on a larger cap ``BioSemi-C3`` (no
        10-20 position); ``None`` for an external electrode ``EXG1``... (not scalp EEG: left
        out); any other label unchanged.
    """
    keys: dict[int, tuple[str, int]] = {}
    for i, n in enumerate(names):
        m = _BIOSEMI_LABEL.match(str(n).strip())
        if m:
            keys[i] = (m.group(1).upper(), int(m.group(2)))
    found = set(keys.values())
    other = [k for k in found if not is_standard_site(f"{k[0]}{k[1]}".capitalize())]
    if sum(k[0] == "A" for k in found) < 8 or len(other) < 4:
        return None
    lookup: dict[tuple[str, int], str] | None = None
    for size in (32, 64):
        cap = [(letter, i) for letter in "AB"[: size // 32] for i in range(1, 33)]
        if found == set(cap) and len(keys) == size:
            import mne  # imported here: only BioSemi files need the montage

            order = mne.channels.make_standard_montage(f"biosemi{size}").ch_names
            lookup = dict(zip(cap, order, strict=True))
    out: list[str | None] = []
    for i, n in enumerate(names):
        if i in keys:
            k = keys[i]
            out.append(lookup[k] if lookup is not None else f"BioSemi-{k[0]}{k[1]}")
        elif _BIOSEMI_EXTERNAL.match(str(n).strip()):
            out.append(None)
        else:
            out.append(str(n))
    return out


#: OpenBCI's default electrode layouts (OpenBCI GUI / docs "default electrode placement").
OPENBCI_DEFAULTS: dict[str, tuple[str, ...]] = {
    "cyton": ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"),
    "cyton-daisy": (
        "Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2",
        "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4",
    ),
    "ganglion": ("Fp1", "Fp2", "O1", "O2"),
}

#: How messages name the channel-name override (``channels=`` of the readers and sources).
_CHANNELS = setting("channels", "--channels")

_PREFIX = re.compile(r"^(?:EEG|EXG)[\s_:\-.]+", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def standard_montage():
    """MNE's ``standard_1005`` montage, made once (the one montage the project uses).

    Returns
    -------
    mne.channels.DigMontage
    """
    # lazy: MNE is a heavy import (a few hundred ms); this foundation module also serves name
    # cleanup for the board source, the simulator montages and the region tables, which do not
    # need MNE; only a position lookup does
    import mne

    with warnings.catch_warnings(), mne.utils.use_log_level("ERROR"):
        warnings.simplefilter("ignore")  # 'standard_1005' is deprecated in MNE 1.13
        return mne.channels.make_standard_montage("standard_1005")


@functools.lru_cache(maxsize=1)
def standard_positions() -> dict[str, np.ndarray]:
    """Upper-case 10-05 site name -> head position in metres, shape (3,)."""
    pos = standard_montage().get_positions()["ch_pos"]
    return {k.upper(): np.asarray(v, dtype=float) for k, v in pos.items()}


@functools.lru_cache(maxsize=1)
def _standard_names() -> dict[str, str]:
    """Upper-case name -> correctly spelled name, from MNE's ``standard_1005`` montage."""
    return {n.upper(): n for n in standard_montage().ch_names}


def _site(token: str) -> str | None:
    """Correct spelling of ``token`` if it is a 10-05 site name, else None."""
    return _standard_names().get(token.strip().strip(".").strip().upper())


def normalize_name(name: str) -> str:
    """Return the standard 10-20 spelling of ``name`` when it obviously is a 10-20 site.

    Parameters
    ----------
    name : str
        Channel label as found in a file, e.g. ``"EEG FP1-LE"``.

    Returns
    -------
    str
        ``"Fp1"`` for ``EEG Fp1``, ``Fp1-REF``, ``Fp1-A1``, ``FP1``, ``fp1``, ``EEG FP1-LE``;
        ``"Cz"`` for ``Cz..``; ``"Fp1-F3"`` for ``FP1-F3`` (a bipolar pair keeps both sites);
        ``"A2-A1"`` for ``EEG A2-A1``; anything else unchanged (stripped of outer spaces).
    """
    raw = str(name).strip()
    s = raw.rstrip(".").strip()
    body = _PREFIX.sub("", s) if _PREFIX.match(s) else s
    for cand in (body, s):
        site = _site(cand)
        if site is not None:
            return site
        parts = derivation_parts(cand)
        if len(parts) == 2 and parts[0] and parts[1]:
            first = _site(parts[0])
            second_up = parts[1].strip().strip(".").upper()
            if first is None:
                continue
            second = _site(parts[1])
            if first.upper() in REFERENCE_SITES and second is not None:
                return f"{first}-{second}"  # e.g. A2-A1: an ear-to-ear derivation
            if second_up in REFERENCE_SUFFIXES and second_up != first.upper():
                return first
            if second is not None:
                return f"{first}-{second}"  # bipolar scalp pair: keep both
    return raw


def normalize_names(names: Sequence[str]) -> list[str]:
    """Normalise every name (see :func:`normalize_name`) and keep them unique.

    If two labels normalise to the same name (``Fp1-REF`` and ``Fp1-A1`` in one file), the
    second and later ones get ``-2``, ``-3`` ... appended so MNE accepts them.

    Parameters
    ----------
    names : sequence of str

    Returns
    -------
    list of str, same length as ``names``
    """
    out: list[str] = []
    seen: dict[str, int] = {}
    for n in names:
        base = new = normalize_name(n)
        while new in seen:  # "Fp1-2" may itself be a name already given
            seen[base] += 1
            new = f"{base}-{seen[base]}"
        seen.setdefault(new, 1)
        out.append(new)
    return out


def is_standard_site(name: str) -> bool:
    """True if ``name`` is spelled exactly as a ``standard_1005`` site."""
    return _standard_names().get(name.upper()) == name


def default_channel_names(board: str, n: int) -> list[str]:
    """Channel names for a file that has none.

    Parameters
    ----------
    board : str
        ``"cyton"``, ``"cyton-daisy"`` or ``"ganglion"`` (OpenBCI's default electrode
        placements); anything else gives ``Ch1`` ... ``ChN``.
    n : int
        Number of EEG channels in the file.

    Returns
    -------
    list of str, length n
        The board's defaults when it has exactly ``n`` channels; when the file has fewer
        channels the first ``n`` defaults; otherwise ``Ch1..ChN``.
    """
    key = (board or "").strip().lower().replace("_", "-")
    key = {"daisy": "cyton-daisy", "cytondaisy": "cyton-daisy"}.get(key, key)
    defaults = OPENBCI_DEFAULTS.get(key)
    if defaults is not None and 0 < n <= len(defaults):
        return list(defaults[:n])
    return [f"Ch{i}" for i in range(1, n + 1)]


def apply_channel_override(names: Sequence[str], override: str | Sequence[str] | None) -> list[str]:
    """Replace ``names`` by the user's ``--channels`` list (normalised).

    Parameters
    ----------
    names : sequence of str
        Names the file gave (only their count matters).
    override : str or sequence of str or None
        ``"Fp1,Fp2,C3"`` or a list; None or empty keeps ``names``.

    Returns
    -------
    list of str

    Raises
    ------
    UsageError
        When the number of names differs from the number of channels, or a name is empty or
        repeated.
    """
    if override is None or (isinstance(override, str) and not override.strip()):
        return list(names)
    items = override.split(",") if isinstance(override, str) else list(override)
    items = [str(i).strip() for i in items]
    if any(not i for i in items):
        raise UsageError(
            f"{_CHANNELS} has an empty name in {override!r}; give comma-separated names like Fp1,Fp2,C3"
        )
    if len(items) != len(names):
        raise UsageError(
            f"{_CHANNELS} gives {len(items)} names but the data has {len(names)} EEG channels "
            f"({', '.join(names)}); give exactly {len(names)} comma-separated names"
        )
    new = [normalize_name(i) for i in items]
    dup = sorted({x for x in new if new.count(x) > 1})
    if dup:
        raise UsageError(f"{_CHANNELS} repeats {', '.join(dup)}; every channel needs its own name")
    return new


#: Microvolts per unit, by the unit names streams and files use for EEG (lower case; LSL/XDF
#: ``desc/channels/channel/unit``).
UV_PER_UNIT: dict[str, float] = {
    "microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
    "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3, "volts": 1e6, "volt": 1e6, "v": 1e6,
}
