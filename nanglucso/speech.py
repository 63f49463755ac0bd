"""Read a question aloud for pupils of grades 1–3, offline, with Debian's espeak-ng and its Vietnamese voice."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

VOICE = "vi"


def available() -> bool:
    return shutil.which("espeak-ng") is not None


@lru_cache(maxsize=256)
def speak(text: str, voice: str = VOICE, speed: int = 140) -> bytes | None:
    """WAV bytes of ``text`` (None when espeak-ng is missing or fails: the page then shows no button)."""
    exe = shutil.which("espeak-ng")
    if exe is None or not text.strip():
        return None
    try:
        # The text goes on stdin, never on the command line.
        out = subprocess.run([exe, "-v", voice, "-s", str(speed), "--stdout"], input=text.encode("utf-8"),
                             capture_output=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.stdout[:4] == b"RIFF" else None
