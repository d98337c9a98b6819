"""Speech: sentences from a script, a voice to speak them, cached synthesis,
and uploaded narration. Entry points: ``sentences.split_sentences``,
``voices.resolve_voice``, ``synthesize.synthesize_sentences``,
``audio_input.load_audio`` / ``probe_audio`` / ``split_at_silences``."""
