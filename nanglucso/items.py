"""Plain data models of bank items, one class per item type, and their public (key-free) view."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .text import nfc

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# Option ids are short, neutral tokens: an id must never hint at the answer.
OPTION_ID = r"^[a-z0-9]{1,3}$"
INDICATOR = r"^\d\.\d\.(CB1|CB2|TC1|TC2|NC1|NC2|CS1|CS2)[a-z]$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Vietnamese with an optional English version."""

    vi: str
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, value: Any) -> Any:
        return {"vi": value} if isinstance(value, str) else value

    @field_validator("vi", "en")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = nfc(value).strip()
        if not value:
            raise ValueError("không được để trống")
        return value


class Option(_Model):
    id: Annotated[str, Field(pattern=OPTION_ID)]
    text: Text


class ItemBase(_Model):
    """Fields every item has, whatever its type."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    competency: Annotated[str, Field(pattern=r"^\d\.\d$")]
    level: Literal["CB1", "CB2", "TC1", "TC2", "NC1", "NC2", "CS1", "CS2"]
    prompt: Text
    feedback: Text
    points: Annotated[float, Field(gt=0)] = 1.0
    image: str | None = None
    indicators: list[Annotated[str, Field(pattern=INDICATOR)]] = []
    tags: list[str] = []

    @field_validator("indicators")
    @classmethod
    def _indicators_match(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        competency = info.data.get("competency", "")
        for code in codes:
            if not code.startswith(competency + "."):
                raise ValueError(f"chỉ báo {code} không thuộc năng lực {competency} của câu này")
        return codes

    def public(self) -> dict[str, Any]:
        """What a student's notebook may carry: no key, no feedback, options in a key-free order."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,  # type: ignore[attr-defined]
            "competency": self.competency,
            "level": self.level,
            "points": self.points,
            "prompt": self.prompt.model_dump(exclude_none=True),
        }
        if self.image:
            data["image"] = self.image
        data.update(self._public_extra())
        return data

    def _public_extra(self) -> dict[str, Any]:
        return {}

    def key_spec(self) -> dict[str, Any]:
        """What the hidden test cell needs to score a response (teacher side only)."""
        return {"type": self.type, "points": self.points}  # type: ignore[attr-defined]

    def _neutral(self, options: list[Option]) -> list[dict[str, Any]]:
        # Order options by a hash of (item id, option id): an author's habit of writing the key
        # first never shows in what the student receives.
        ordered = sorted(options, key=lambda o: hashlib.sha256(f"{self.id}/{o.id}".encode()).hexdigest())
        return [{"id": o.id, "text": o.text.model_dump(exclude_none=True)} for o in ordered]


def _unique_ids(options: list[Option], what: str = "lựa chọn") -> list[Option]:
    ids = [o.id for o in options]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"mã {what} bị trùng: {', '.join(dupes)}")
    return options


def _ids(info: ValidationInfo, field: str = "options") -> set[str] | None:
    # Fields validate in declaration order: by the time `key` is checked, `options` is known.
    # None when the options themselves failed: their own error says so; no second one about the key.
    if field not in info.data:
        return None
    return {o.id for o in info.data[field]}


def _unique(field: str, what: str = "lựa chọn"):
    return field_validator(field)(classmethod(lambda cls, v: _unique_ids(v, what)))


class _WithOptions(ItemBase):
    """Items whose student-facing part is a list of options (choice and ordering types)."""

    options: list[Option]
    _u = _unique("options")

    def _public_extra(self) -> dict[str, Any]:
        return {"options": self._neutral(self.options)}


class SingleChoice(_WithOptions):
    type: Literal["single_choice"]
    key: str

    @field_validator("key")
    @classmethod
    def _check(cls, key: str, info: ValidationInfo) -> str:
        ids = _ids(info)
        if ids is not None and key not in ids:
            raise ValueError(f"đáp án '{key}' không phải mã của lựa chọn nào")
        return key

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": self.key}


class MultipleChoice(_WithOptions):
    """Several correct options; partial credit (right picks − wrong picks) / number of right options."""

    type: Literal["multiple_choice"]
    key: list[str]

    @field_validator("key")
    @classmethod
    def _check(cls, key: list[str], info: ValidationInfo) -> list[str]:
        ids = _ids(info)
        bad = [k for k in key if ids is not None and k not in ids]
        if bad:
            raise ValueError(f"đáp án {bad} không phải mã của lựa chọn nào")
        if not key or len(set(key)) != len(key):
            raise ValueError("đáp án phải là danh sách các mã khác nhau, ít nhất một mã")
        return key

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": sorted(self.key), "n_options": len(self.options)}


class TrueFalse(ItemBase):
    type: Literal["true_false"]
    key: bool

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": self.key}


class ShortText(ItemBase):
    """Compared after NFC normalisation, with per-item rules for case and spaces, and accepted variants."""

    type: Literal["short_text"]
    key: str
    accept: list[str] = []
    case_sensitive: bool = False
    spaces: Literal["collapse", "ignore", "exact"] = "collapse"
    max_length: int = 200

    def _public_extra(self) -> dict[str, Any]:
        return {"max_length": self.max_length}

    def key_spec(self) -> dict[str, Any]:
        return {
            **super().key_spec(),
            "key": nfc(self.key),
            "accept": [nfc(a) for a in self.accept],
            "case_sensitive": self.case_sensitive,
            "spaces": self.spaces,
        }


class Numeric(ItemBase):
    """A number; a decimal comma ("2,5") is read as a Vietnamese pupil writes it."""

    type: Literal["numeric"]
    key: float
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    unit: str | None = None

    def _public_extra(self) -> dict[str, Any]:
        return {"unit": self.unit} if self.unit else {}

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": self.key, "tolerance": self.tolerance}


class Ordering(_WithOptions):
    """Put the options in order; partial credit is the share of options in their right place."""

    type: Literal["ordering"]
    key: list[str]

    @field_validator("key")
    @classmethod
    def _check(cls, key: list[str], info: ValidationInfo) -> list[str]:
        ids = _ids(info)
        if ids is not None and (sorted(key) != sorted(ids) or len(set(key)) != len(key)):
            raise ValueError("đáp án phải liệt kê mọi mã lựa chọn, mỗi mã đúng một lần, theo thứ tự đúng")
        return key

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": list(self.key)}


class Matching(ItemBase):
    """Match each left entry to one right entry; partial credit is the share of right pairs."""

    type: Literal["matching"]
    left: list[Option]
    right: list[Option]
    key: dict[str, str]
    _ul = _unique("left", "vế trái")
    _ur = _unique("right", "vế phải")

    @field_validator("key")
    @classmethod
    def _check(cls, key: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        left, right = _ids(info, "left"), _ids(info, "right")
        if left is not None and set(key) != left:
            raise ValueError("đáp án phải ghép mọi mã vế trái, mỗi mã một lần")
        bad = sorted(v for v in key.values() if right is not None and v not in right)
        if bad:
            raise ValueError(f"đáp án trỏ tới mã vế phải không có: {bad}")
        return key

    def _public_extra(self) -> dict[str, Any]:
        return {"left": self._neutral(self.left), "right": self._neutral(self.right)}

    def key_spec(self) -> dict[str, Any]:
        return {**super().key_spec(), "key": dict(sorted(self.key.items()))}


class CodeTask(ItemBase):
    """A practical code task: nbgrader solution cell (starter shown, solution hidden) and hidden tests."""

    type: Literal["code"]
    starter: str = ""
    solution: str
    tests: str

    def _public_extra(self) -> dict[str, Any]:
        return {"starter": self.starter}


Item = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | ShortText | Numeric | Ordering | Matching | CodeTask,
    Field(discriminator="type"),
]
ITEM_TYPES = {
    "single_choice": "Chọn một đáp án",
    "multiple_choice": "Chọn nhiều đáp án",
    "true_false": "Đúng/Sai",
    "short_text": "Trả lời ngắn",
    "numeric": "Điền số",
    "ordering": "Sắp xếp thứ tự",
    "matching": "Ghép đôi",
    "code": "Bài thực hành lập trình",
}
