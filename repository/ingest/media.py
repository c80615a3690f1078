"""Video and audio: duration and technical metadata with MediaInfo (pymediainfo ships the library).

A recording has no text of its own; its captions (WebVTT/SRT files uploaded
with it) are what make a lecture searchable — `extract.extract_file` appends
their text to the recording's extraction.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from pymediainfo import MediaInfo

from repository.errors import UnsupportedFormat
from repository.ingest.language import clean_text
from repository.ingest.ports import Detection, Extraction, source_path


class MediaExtractor:
    def extract(self, stream: BinaryIO, detection: Detection) -> Extraction:
        stream.seek(0)
        try:
            info = MediaInfo.parse(source_path(stream) or stream)
        except (OSError, RuntimeError, ValueError) as exc:
            raise UnsupportedFormat(f"the recording cannot be read ({exc})") from exc
        general = next((t for t in info.tracks if t.track_type == "General"), None)
        video = next((t for t in info.tracks if t.track_type == "Video"), None)
        audio = next((t for t in info.tracks if t.track_type == "Audio"), None)
        kind = "video" if video is not None else "audio" if audio is not None else detection.kind
        result = Extraction(mime=detection.mime, kind=kind)
        if video is None and audio is None:
            result.warnings.append("no audio or video stream was found in the file")
        details: dict[str, Any] = {}
        if general is not None:
            details["container"] = general.format
            details["duration_ms"] = _milliseconds(general.duration)
            details["title"] = _text(general.title or general.movie_name)
        if video is not None:
            details.update(width=_int(video.width), height=_int(video.height), video_codec=video.format,
                           frame_rate=video.frame_rate)  # fmt: skip
            details["duration_ms"] = details.get("duration_ms") or _milliseconds(video.duration)
        if audio is not None:
            details.update(
                audio_codec=audio.format, channels=_int(audio.channel_s), sampling_rate=_int(audio.sampling_rate)
            )
            details["duration_ms"] = details.get("duration_ms") or _milliseconds(audio.duration)
        result.details = {k: v for k, v in details.items() if v not in (None, "")}
        result.metadata = {"type": kind} if kind in ("video", "audio") else {}
        if title := result.details.get("title"):
            result.metadata["titles"] = [{"value": title}]
        performer = _text(getattr(general, "performer", None) or getattr(general, "director", None))
        if performer:
            result.metadata["creators"] = [{"name": performer}]
        return result


def _text(value: Any) -> str:
    return clean_text(str(value)) if value not in (None, "") else ""


def _int(value: Any) -> int | None:
    try:
        return int(float(str(value).split(" / ")[0]))
    except (TypeError, ValueError):
        return None


def _milliseconds(value: Any) -> int | None:
    """MediaInfo gives durations in milliseconds, as a number or a string with a fraction."""
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return None
