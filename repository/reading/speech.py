"""Blocks → spoken audio: espeak-ng's Arabic and English voices, encoded as Ogg Opus for the web.

Consecutive blocks in one language are spoken in one espeak-ng call with that
language's voice (its voices switch to English for Latin words on their
own, so a block needs no finer split); the pieces are joined and encoded
by ffmpeg. Every call runs under the same time limit.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from repository.reading import tools
from repository.reading.blocks import Block, BlockKind, Document

VOICES = {"ar": "ar", "en": "en"}
MIME = "audio/ogg"
PROGRAMS = ("espeak-ng", "ffmpeg")
BITRATE = "32k"  # Opus speech at 32 kbit/s is clear and keeps an hour near 15 MB


def speech_segments(document: Document, fallback: str = "en") -> list[tuple[str, str]]:
    """(voice language, text) in reading order; one paragraph per line so the voice pauses between blocks."""
    return [(lang, "\n\n".join(map(_spoken, blocks))) for lang, blocks in document.by_language(VOICES, fallback)]


def _spoken(block: Block) -> str:
    if block.kind is BlockKind.LIST:
        return "\n".join(f"{item}." for item in block.items)
    if block.kind is BlockKind.TABLE:
        return "\n".join(", ".join(row) + "." for row in block.rows)
    return block.text + ("." if block.kind is BlockKind.HEADING else "")


def to_audio(document: Document, *, fallback: str, seconds: float) -> bytes:
    """Ogg Opus bytes of the document read aloud; FormatUnavailable without espeak-ng or ffmpeg, or past `seconds`."""
    tools.require(*PROGRAMS)
    with tempfile.TemporaryDirectory(prefix="mawrid-speech-") as tmp:
        parts = []
        for n, (lang, text) in enumerate(speech_segments(document, fallback)):
            wav = Path(tmp) / f"{n}.wav"
            tools.run(
                ["espeak-ng", "-v", VOICES[lang], "-w", str(wav), "--stdin"], stdin=text.encode(), seconds=seconds
            )
            parts.append(f"file '{wav.name}'\n")
        listing = Path(tmp) / "parts.txt"
        listing.write_text("".join(parts))
        out = Path(tmp) / "speech.ogg"
        encode = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing)]
        tools.run([*encode, "-c:a", "libopus", "-b:a", BITRATE, "-application", "voip", str(out)], seconds=seconds)
        return out.read_bytes()
