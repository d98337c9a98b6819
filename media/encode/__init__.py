"""Video out: segments encoded as frames arrive (``video.SegmentEncoder``),
joined and given their audio (``mux.concat_and_mux``), described
(``probe.probe``), with a poster and captions. ffmpeg is imageio-ffmpeg's."""
