"""The media library: speech (tts), the face (render), encoding and watermarks.

It knows nothing of HTTP, Celery or the database. It raises its own coded
errors (``media.errors``), which the API maps to problem+json and the worker
turns into job failures.
"""
