"""What a caller is told of a video upload whose header FFmpeg cannot read."""

from __future__ import annotations

import pytest

from domain.errors import ProblemError


def test_a_video_header_that_does_not_open_is_told_in_words_of_ours():
    from api.asset_video import read_video_header

    # an MP4's first box, then nothing FFmpeg can read
    data = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x55" * 4096
    with pytest.raises(ProblemError) as problem:
        read_video_header(data)
    assert problem.value.code == "video_unreadable"
    assert "FFmpeg" not in problem.value.detail and "Error" not in problem.value.detail, problem.value.detail
    assert "damaged" in problem.value.detail
