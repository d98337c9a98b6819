"""The built-in face: a geometric lip-sync model with no learned weights.

``model`` defines it in torch (a development dependency) and ``export`` writes
``builtin_lipsync.onnx``, which onnxruntime runs; ``adapter`` drives it from
the phones (``visemes``) or, failing them, the loudness; ``mouth`` and
``mouth_interior`` move the lips and paint the inside of the mouth with real
teeth (``teeth``, ``teeth_photo/``) white-balanced to the portrait
(``white_balance``).
"""

from pathlib import Path

#: the exported model that workers run (``python -m media.render.builtin.export`` writes it)
MODEL_PATH = Path(__file__).with_name("builtin_lipsync.onnx")
