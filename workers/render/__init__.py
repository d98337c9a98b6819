"""The lip-sync rendering engine: portrait analysis, framing, the built-in
model and bring-your-own adapters, execution providers and cross-job batching.

Runtime modules import numpy, onnxruntime, cv2 and (for analysis) mediapipe;
only ``model`` and ``export`` import torch, which is a development dependency.
"""
