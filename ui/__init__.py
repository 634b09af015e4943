"""The Qt application (PyQt6 + pyqtgraph) over the headless :mod:`neurofeedback` package.

All Qt code lives here; ``neurofeedback`` never imports Qt. ``ui`` uses the application layer
(:mod:`neurofeedback.app`) for everything that is not a widget or Qt glue. Start it with
``neurofeedback gui`` or ``python -m neurofeedback.ui``; :func:`neurofeedback.ui.app.run_gui` is the entry point.
"""
