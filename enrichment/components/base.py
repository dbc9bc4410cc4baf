"""What every rule component shares: a data file it reads, saved and loaded with the pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from spacy.language import Language


class DataComponent:
    """A component whose rules live in one data file (``patterns.jsonl`` style).

    ``to_disk`` writes that file into the saved pipeline and ``from_disk`` reads it back, so a
    pipeline saved with ``nlp.to_disk`` carries its taxonomy with it.
    """

    data_name: str = ""

    def __init__(self, nlp: Language, name: str, data_path: Path) -> None:
        self.nlp = nlp
        self.name = name
        self.data_path = data_path
        self.load(data_path)

    def load(self, path: Path) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def to_disk(self, path: str | Path, *, exclude: Any = ()) -> None:
        target = Path(path)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.data_path, target / self.data_name)

    def from_disk(self, path: str | Path, *, exclude: Any = ()) -> DataComponent:
        saved = Path(path) / self.data_name
        if saved.is_file():
            self.data_path = saved
            self.load(saved)
        return self
