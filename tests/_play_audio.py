"""Play the audio feedback for a while (run by tests/test_audio_output.py in a subprocess).

Usage: python tests/_play_audio.py SCORE ARTIFACT(0|1) SECONDS [ARTIFACT_FROM_S]
With ARTIFACT_FROM_S, frames turn into artifact frames that many seconds after the start.
Prints ``available`` or the reason audio is off.
"""

from __future__ import annotations

import sys

from PyQt6 import QtCore, QtWidgets


def main() -> int:
    score, artifact, seconds = float(sys.argv[1]), sys.argv[2] == "1", float(sys.argv[3])
    app = QtWidgets.QApplication(sys.argv[:1])
    from neurofeedback.ui.audio import AudioFeedback

    audio = AudioFeedback()
    sys.stdout.write(("available" if audio.available else audio.message) + "\n")
    sys.stdout.flush()
    if not audio.available:
        return 1
    audio.set_target(score, artifact)
    audio.set_enabled(True)
    if len(sys.argv) > 4:
        QtCore.QTimer.singleShot(int(float(sys.argv[4]) * 1000),
                                 lambda: audio.set_target(score, True))
    QtCore.QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    audio.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
