import threading
import time

import numpy as np
import pytest

from domain.config import Settings
from domain.errors import JobFailure
from media.encode.wav import read_wav
from media.phonemes import Phone, PhoneTrack, TimingSource
from media.tts import engines
from media.tts import synthesize as synth_module
from media.tts.engines import EngineSpeech
from media.tts.speech import LEAD_SILENCE_S, PEAK_LEVEL, SPEECH_SAMPLE_RATE, TAIL_SILENCE_S, TRIM_MARGIN_S
from media.tts.synthesize import cache_key, phones_key, synthesize, synthesize_sentences
from media.tts.voices import VoiceRef, espeak_binary, resolve_voice
from storage.local import LocalStorage


class FakeEngine:
    """Speaks a 300 Hz tone, 0.05 s per character, at Piper's 22050 Hz, with
    one phone per character (its letter) after 0.2 s of silence; counts calls."""

    LEAD_IN_S = 0.2

    def __init__(self):
        self.calls = []

    def speak(self, text):
        self.calls.append(text)
        t = np.arange(int(0.05 * len(text) * 22050)) / 22050
        tone = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
        samples = np.concatenate([np.zeros(int(self.LEAD_IN_S * 22050), np.float32), tone])
        phones = PhoneTrack(
            TimingSource.PIPER,
            tuple(
                Phone(char, self.LEAD_IN_S + 0.05 * i, self.LEAD_IN_S + 0.05 * (i + 1)) for i, char in enumerate(text)
            ),
        )
        return EngineSpeech(samples, 22050, phones)


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "storage", signing_key=b"test")


@pytest.fixture
def fake_engine(monkeypatch):
    engine = FakeEngine()
    monkeypatch.setattr(synth_module, "engine_for", lambda ref: engine)
    return engine


@pytest.fixture
def voice(tmp_path):
    model, config = tmp_path / "v.onnx", tmp_path / "v.onnx.json"
    model.write_bytes(b"model bytes")
    config.write_text("{}")
    return VoiceRef("test", "piper", "en-us", model_path=model, config_path=config)


def test_second_synthesis_of_the_same_sentence_is_served_from_storage_without_the_engine(storage, fake_engine, voice):
    first = synthesize("Hello there.", voice, storage)
    second = synthesize("  Hello   there. ", voice, storage)
    assert fake_engine.calls == ["Hello there."]
    assert np.array_equal(first.samples, second.samples)
    assert second.sample_rate == SPEECH_SAMPLE_RATE and second.text == "Hello there."


def test_cache_is_shared_through_storage_as_16_bit_wav_at_the_farm_rate(storage, fake_engine, voice):
    speech = synthesize("Shared by every worker.", voice, storage)
    key = cache_key("Shared by every worker.", voice)
    assert sorted(storage.list("cache/tts/")) == sorted([key, phones_key(key)]) and key.endswith(".wav")
    samples, rate = read_wav(storage.get_bytes(key))
    assert rate == SPEECH_SAMPLE_RATE
    assert np.array_equal(samples, speech.samples)  # a miss returns exactly what a hit will read


def test_other_text_or_a_changed_voice_file_misses_the_cache(storage, fake_engine, voice):
    synthesize("One.", voice, storage)
    synthesize("Two.", voice, storage)
    key_before = cache_key("One.", voice)
    voice.model_path.write_bytes(b"retrained model, same name")
    assert cache_key("One.", voice) != key_before
    synthesize("One.", voice, storage)
    assert fake_engine.calls == ["One.", "Two.", "One."]


def test_an_espeak_sentence_cached_with_its_words_cut_short_is_not_served(storage, monkeypatch):
    # before, espeak-ng's words were cut at its own word lengths ("«Hola»," was left out); a sentence cached then
    # must be spoken again, or its captions would keep missing words. Piper's entries are not touched.
    voice = VoiceRef("espeak:es", "espeak-ng", "es", espeak_voice="es")
    monkeypatch.setattr(engines, "ESPEAK_SETTINGS", {"speed_wpm": engines.ESPEAK_WPM})
    old_key = cache_key("¿Qué tal? «Hola», dijo.", voice)
    monkeypatch.undo()
    assert cache_key("¿Qué tal? «Hola», dijo.", voice) != old_key


def test_the_voice_is_given_the_sentence_without_its_pictures_and_the_cue_keeps_them(storage, fake_engine, voice):
    # a voice reads 🔴 as "red circle" and 🚨 as "police car light"
    speech = synthesize_sentences(["Breaking news 🔴 tonight 🚨.", "Hi 👋🏽!"], voice, storage)
    assert fake_engine.calls == ["Breaking news tonight.", "Hi!"]
    assert [c.text for c in speech.cues] == ["Breaking news 🔴 tonight 🚨.", "Hi 👋🏽!"]  # the caption files keep them
    synthesize("Breaking news tonight.", voice, storage)
    assert len(fake_engine.calls) == 2  # the same words: the same cache entry


def test_a_sentence_of_pictures_alone_is_a_short_pause_not_a_failure(storage, fake_engine, voice):
    speech = synthesize_sentences(["Hello there.", "🎉🎉"], voice, storage)
    assert fake_engine.calls == ["Hello there."]
    pause = speech.cues[1]
    assert pause.text == "🎉🎉" and pause.end_s - pause.start_s == pytest.approx(synth_module.PICTURES_ALONE_S)


@pytest.mark.skipif(espeak_binary() is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_ng_says_a_sentence_with_emoji_as_it_says_the_words_alone():
    voice = resolve_voice(None, "de", Settings())
    with_emoji = synthesize("Eilmeldung 🔴 heute 👍🏽 in Berlin → Paris.", voice)
    plain = synthesize("Eilmeldung heute in Berlin Paris.", voice)
    assert [p.symbol for p in with_emoji.phones.phones] == [p.symbol for p in plain.phones.phones]
    assert [w.text for w in with_emoji.phones.words] == ["Eilmeldung", "heute", "in", "Berlin", "Paris."]


def test_unreadable_cache_entry_is_synthesised_again_and_replaced(storage, fake_engine, voice):
    key = cache_key("Broken.", voice)
    storage.put_bytes(key, b"RIFF garbage")
    speech = synthesize("Broken.", voice, storage)
    assert fake_engine.calls == ["Broken."]
    assert np.array_equal(read_wav(storage.get_bytes(key))[0], speech.samples)


def test_without_storage_every_call_synthesises(fake_engine, voice):
    synthesize("Again.", voice, None)
    synthesize("Again.", voice, None)
    assert len(fake_engine.calls) == 2


def test_speech_begins_and_ends_with_the_same_short_silence_and_is_normalised(fake_engine, voice):
    speech = synthesize("Some words here.", voice, None)
    lead = round(LEAD_SILENCE_S * SPEECH_SAMPLE_RATE)
    tail = round(TAIL_SILENCE_S * SPEECH_SAMPLE_RATE)
    assert not speech.samples[:lead].any() and not speech.samples[-tail:].any()
    assert speech.samples[lead:-tail].any()
    assert np.max(np.abs(speech.samples)) == pytest.approx(PEAK_LEVEL, abs=1e-3)
    # faded in: the first voiced samples are tiny, so sentences join without a click
    assert np.max(np.abs(speech.samples[lead : lead + 10])) < 0.05


def test_empty_text_is_a_tts_failure(fake_engine, voice):
    with pytest.raises(JobFailure) as caught:
        synthesize("   ", voice, None)
    assert caught.value.code == "tts_failed"


def test_sentences_are_cached_one_by_one_and_cued_back_to_back(storage, fake_engine, voice):
    synthesize("First.", voice, storage)
    speech = synthesize_sentences(["First.", "Second one."], voice, storage)
    assert fake_engine.calls == ["First.", "Second one."]
    (s1, e1, t1), (s2, e2, t2) = speech.cues
    assert (s1, t1, t2) == (0.0, "First.", "Second one.")
    assert e1 == pytest.approx(s2) and e2 == pytest.approx(speech.duration_s)


def test_a_voice_is_loaded_once_however_many_jobs_ask_at_the_same_time(monkeypatch):
    loads = []

    class SlowLoadingEngine:
        def __init__(self, ref):
            loads.append(ref)
            time.sleep(0.2)

    monkeypatch.setattr(engines, "_ENGINES", {"piper": SlowLoadingEngine})
    engines.forget_engines()
    ref = VoiceRef("slow", "piper", "en-us")
    got = []
    threads = [threading.Thread(target=lambda: got.append(engines.engine_for(ref))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engines.forget_engines()
    assert len(loads) == 1 and len({id(e) for e in got}) == 1


def test_missing_piper_voice_file_is_voice_unavailable(tmp_path):
    ref = VoiceRef("gone", "piper", "en-us", model_path=tmp_path / "gone.onnx", config_path=tmp_path / "gone.onnx.json")
    with pytest.raises(JobFailure) as caught:
        synthesize("Hello.", ref, None)
    assert caught.value.code == "voice_unavailable"


def test_espeak_voice_without_the_library_is_voice_unavailable(monkeypatch):
    monkeypatch.setattr(engines, "espeak_library", lambda: None)
    engines.forget_engines()
    with pytest.raises(JobFailure) as caught:
        engines.engine_for(VoiceRef("espeak:cmn", "espeak-ng", "cmn", espeak_voice="cmn"))
    assert caught.value.code == "voice_unavailable"


@pytest.mark.slow
def test_real_piper_joe_voice_speaks_a_short_sentence(storage):
    voice = resolve_voice("joe", None, Settings.from_env({}))
    speech = synthesize("Hello from the farm.", voice, storage)
    assert speech.sample_rate == SPEECH_SAMPLE_RATE
    assert 0.6 < speech.duration_s < 4.0
    assert np.max(np.abs(speech.samples)) == pytest.approx(PEAK_LEVEL, abs=1e-3)


@pytest.mark.slow
def test_the_piper_voice_runs_on_one_onnxruntime_thread_and_keeps_its_alignments():
    """One thread, so speech made ahead does not take the renderer's and x264's cores
    (benchmarks/tts_speed.py --threads); the in-memory patch still gives every phone's time."""
    engines.forget_engines()
    engine = engines.engine_for(resolve_voice("joe", None, Settings.from_env({})))
    assert isinstance(engine, engines.PiperEngine)
    options = engine.voice.session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (engines.PIPER_THREADS, 1) == (1, 1)
    speech = engine.speak("Maybe the boat will move soon.")
    assert speech.phones.source is TimingSource.PIPER
    duration = len(speech.samples) / speech.sample_rate
    assert speech.phones.phones[0].start_s < 0.2 and duration - 0.25 < speech.phones.phones[-1].end_s <= duration
    assert {"m", "b"} <= {p.symbol for p in speech.phones.phones}


@pytest.mark.skipif(espeak_binary() is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_ng_speaks_mandarin():
    voice = resolve_voice(None, "zh", Settings.from_env({}))
    speech = synthesize("今天天气很好。", voice, None)
    voiced_s = speech.duration_s - LEAD_SILENCE_S - TAIL_SILENCE_S
    assert 0.8 < voiced_s < 5.0
    assert np.sqrt(np.mean(speech.samples**2)) > 0.02


def test_phones_move_with_the_trimmed_silence_and_the_lead_pause(fake_engine, voice):
    speech = synthesize("Hi you.", voice, None)
    phones = speech.phones.phones
    assert speech.phones.source == TimingSource.PIPER and [p.symbol for p in phones] == list("Hi you.")
    # the engine's 0.2 s of silence is trimmed to the margin, after the farm's lead pause
    assert phones[0].start_s == pytest.approx(LEAD_SILENCE_S + TRIM_MARGIN_S, abs=1e-4)
    assert phones[-1].end_s == pytest.approx(phones[0].start_s + 0.05 * 7, abs=1e-4)
    # and they sit on the sound: the tone starts within a millisecond of the first phone
    first_loud = np.flatnonzero(np.abs(speech.samples) > 0.01)[0] / SPEECH_SAMPLE_RATE
    assert abs(first_loud - phones[0].start_s) < 0.002


def test_phones_come_back_from_the_cache_exactly_as_synthesised(storage, fake_engine, voice):
    first = synthesize("Cached timing.", voice, storage)
    second = synthesize("Cached timing.", voice, storage)
    assert fake_engine.calls == ["Cached timing."]
    assert second.phones == first.phones and len(second.phones.phones) == len("Cached timing.")


def test_a_cached_wav_without_its_phones_sidecar_is_synthesised_again(storage, fake_engine, voice):
    synthesize("Lost sidecar.", voice, storage)
    storage.delete(phones_key(cache_key("Lost sidecar.", voice)))
    speech = synthesize("Lost sidecar.", voice, storage)
    assert fake_engine.calls == ["Lost sidecar.", "Lost sidecar."]
    assert speech.phones.phones and storage.get_bytes(phones_key(cache_key("Lost sidecar.", voice)))


def test_a_corrupt_phones_sidecar_is_synthesised_again(storage, fake_engine, voice):
    synthesize("Bad sidecar.", voice, storage)
    storage.put_bytes(phones_key(cache_key("Bad sidecar.", voice)), b'{"source": "piper", "phones": [["m"]]}')
    assert synthesize("Bad sidecar.", voice, storage).phones.phones
    assert len(fake_engine.calls) == 2


def test_concatenated_sentences_carry_each_sentences_phones_at_its_offset(storage, fake_engine, voice):
    first, second = synthesize("Ab.", voice, storage), synthesize("Cd.", voice, storage)
    joined = synthesize_sentences(["Ab.", "Cd."], voice, storage)
    assert joined.phones.phones[:3] == first.phones.phones
    assert joined.phones.phones[3:] == second.phones.shifted(first.duration_s).phones


class _Chunk:
    def __init__(self, audio, alignments):
        self.audio_float_array, self.phoneme_alignments = audio, alignments


class _Alignment:
    def __init__(self, phoneme, num_samples):
        self.phoneme, self.num_samples = phoneme, num_samples


class _FakePiperVoice:
    """Two Piper sentences; the second's alignments as given."""

    class config:
        sample_rate = 1000

    def __init__(self, second_alignments):
        self.second = second_alignments

    def synthesize(self, text, syn_config=None, include_alignments=False):
        yield _Chunk(np.ones(300, np.float32), [_Alignment("^", 100), _Alignment("m", 100), _Alignment("a", 100)])
        yield _Chunk(np.ones(200, np.float32), self.second)


def _piper_engine(second_alignments):
    engine = object.__new__(engines.PiperEngine)
    engine.voice = _FakePiperVoice(second_alignments)
    return engine


def test_piper_phones_of_later_sentences_sit_after_the_gap_between_them():
    samples, rate, track = _piper_engine([_Alignment("p", 120), _Alignment("a", 80)]).speak("Ma. Pa.")
    gap = engines.PIPER_SENTENCE_GAP_S
    assert len(samples) == 300 + round(gap * 1000) + 200 and track.source == TimingSource.PIPER
    assert [(p.symbol, p.start_s, p.end_s) for p in track.phones] == [
        ("m", 0.1, 0.2),
        ("a", 0.2, 0.3),
        ("p", pytest.approx(0.3 + gap), pytest.approx(0.42 + gap)),
        ("a", pytest.approx(0.42 + gap), pytest.approx(0.5 + gap)),
    ]


@pytest.mark.parametrize("second", [None, [_Alignment("p", 50)]])  # none at all, or not adding up to the audio
def test_piper_without_usable_alignments_falls_back_to_loudness_and_says_so(second):
    _, _, track = _piper_engine(second).speak("Ma. Pa.")
    assert track.source == TimingSource.LOUDNESS and track.phones == () and "no phoneme alignments" in track.note


def test_each_tenants_speech_is_cached_apart(storage, fake_engine, voice):
    """A security review: the speech cache was shared by every tenant, and a job's speech time (0.001 s against
    0.086 s) told one tenant whether another had already spoken a sentence, so a guessed embargoed script could be
    confirmed. The cache is now each tenant's own: a tenant's second job is still served from it."""
    synthesize("The minister will resign on Friday.", voice, storage, scope="ten_a")
    synthesize("The minister will resign on Friday.", voice, storage, scope="ten_b")
    assert fake_engine.calls == ["The minister will resign on Friday."] * 2  # B was not served A's
    synthesize("The minister will resign on Friday.", voice, storage, scope="ten_b")
    assert len(fake_engine.calls) == 2  # B's own, again
    assert len({cache_key("x", voice, "ten_a"), cache_key("x", voice, "ten_b"), cache_key("x", voice)}) == 3
