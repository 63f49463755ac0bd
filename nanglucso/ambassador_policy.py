"""The school's policy for choosing its "Đại sứ số học đường" (rubrics/dai_su_so.yaml), validated.

The criteria are those of seed 001 (Sở GDĐT Quảng Ngãi, Kế hoạch triển khai lực lượng "Đại sứ số học đường"
năm 2026, mục II.2) plus two conditions around them (the pupil volunteers; a parent consents). Their ids are
fixed here because the ranking computes each one; the file says which are gates, how the rest are weighted,
the quotas and the tie-break order, and holds the raters' rubric scales.
"""

from __future__ import annotations

import hashlib
import json
from math import fsum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ContentError, Problem
from .framework import load_framework
from .yamlio import load_yaml, problems_from_validation

POLICY_FILE = "dai_su_so.yaml"

# Every criterion the ranking knows, with the name shown to teachers (seed 001's wording, shortened).
CRITERIA: dict[str, str] = {
    "khung_nang_luc": "Đáp ứng Khung năng lực số ở khối lớp",
    "dao_duc_so": "Đạo đức số",
    "ky_nang": "Kỹ năng số, hướng dẫn được người khác",
    "guong_mau": "Gương mẫu, trách nhiệm",
    "ket_noi": "Kết nối, quy tụ bạn bè",
    "hoc_hoi": "Tinh thần học hỏi, cập nhật",
    "tu_nguyen": "Tự nguyện tham gia",
    "dong_y_cha_me": "Cha mẹ đồng ý",
}
GATES = ("khung_nang_luc", "dao_duc_so", "tu_nguyen", "dong_y_cha_me")  # can be a gate (pass/fail)
SCORED = ("khung_nang_luc", "dao_duc_so", "ky_nang", "guong_mau", "ket_noi", "hoc_hoi")  # have a 0..1 score
RUBRIC = ("guong_mau", "ket_noi", "hoc_hoi")  # scored by raters on a scale
# Pupils are minors and join of their own will (seed 001, "tinh thần tự nguyện"): never optional.
REQUIRED_GATES = ("tu_nguyen", "dong_y_cha_me")

# Yearly conduct rating ("kết quả rèn luyện", Thông tư 22/2021), lowest first.
CONDUCT = ("Chưa đạt", "Đạt", "Khá", "Tốt")
Conduct = Literal["Chưa đạt", "Đạt", "Khá", "Tốt"]
WEIGHT_TOLERANCE = 1e-6


def vn_number(x: float) -> str:
    """0.95 → '0,95' (Vietnamese decimal comma), at most 4 decimals."""
    return f"{round(x, 4):g}".replace(".", ",")


def _known(code: str, allowed: tuple[str, ...], role: str) -> str:
    if code not in CRITERIA:
        raise ValueError(f"'{code}' không phải mã tiêu chí; các mã có: {', '.join(CRITERIA)}")
    if code not in allowed:
        raise ValueError(f"'{code}' ({CRITERIA[code]}) không dùng làm {role} được; chọn trong: {', '.join(allowed)}")
    return code


GateId = Annotated[str, AfterValidator(lambda c: _known(c, GATES, "điều kiện"))]
ScoredId = Annotated[str, AfterValidator(lambda c: _known(c, SCORED, "tiêu chí so điểm"))]
Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(_Model):
    """Weight of each scored criterion in the total; 0 = not weighted. The weighted ones sum to 1."""

    khung_nang_luc: Share = 0.0
    dao_duc_so: Share = 0.0
    ky_nang: Share = 0.0
    guong_mau: Share = 0.0
    ket_noi: Share = 0.0
    hoc_hoi: Share = 0.0

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        used = self.weighted()
        total = fsum(used.values())
        if not used:
            raise ValueError("chưa có tiêu chí nào có trọng số; ghi trọng số cho ít nhất một tiêu chí (tổng bằng 1)")
        if abs(total - 1) > WEIGHT_TOLERANCE:
            parts = " + ".join(f"{k} {vn_number(v)}" for k, v in used.items())
            fix = f"thiếu {vn_number(1 - total)}" if total < 1 else f"thừa {vn_number(total - 1)}"
            raise ValueError(f"tổng các trọng số là {vn_number(total)} ({parts}), phải bằng 1 ({fix}); "
                             "sửa các trọng số cho tổng đúng bằng 1")
        return self

    def weighted(self) -> dict[str, float]:
        """The criteria that count in the total (weight > 0) and their weights."""
        return {k: v for k, v in self.model_dump().items() if v > 0}


class Quotas(_Model):
    """How many ambassadors: at most ``moi_lop`` per class, then at most ``toan_truong`` in the school."""

    moi_lop: Count | None = 2  # None: no limit
    toan_truong: Count | None = None
    # When the school limit bites, each class's best candidate goes first (so more classes have one).
    uu_tien_moi_lop_mot: bool = True


class FrameworkParams(_Model):
    # Meets the framework = at the grade's expected level in at least this share of the domains assessed.
    ti_le_mien_toi_thieu: Annotated[float, Field(gt=0, le=1)] = 1.0


class EthicsParams(_Model):
    ren_luyen_toi_thieu: Conduct = "Khá"
    can_xac_nhan_gvcn: bool = True
    nang_luc: list[str] = ["1.2", "2.5", "4.1", "4.2", "4.3"]

    @field_validator("nang_luc")
    @classmethod
    def _known_competencies(cls, codes: list[str]) -> list[str]:
        known = {c.code for c in load_framework().competencies}
        bad = [c for c in codes if c not in known]
        if bad:
            raise ValueError(f"mã năng lực không có trong Khung (TT 02/2025): {', '.join(bad)}; ví dụ đúng: 2.5, 4.2")
        return codes


class SkillsParams(_Model):
    # A competency counts fully once it is this many levels above the grade's expected level.
    bac_vuot_toi_da: Annotated[int, Field(ge=1, le=5)] = 2


class RubricLevel(_Model):
    diem: float
    mo_ta: str

    @property
    def name(self) -> str:
        """The level's name, the descriptor's words before ':' ('Nổi bật: là tấm gương…' → 'Nổi bật'): what the
        page's buttons show and what a rater may write on the Excel sheet instead of the points."""
        return self.mo_ta.split(":", 1)[0].strip()


class RubricParams(_Model):
    thang: Annotated[list[RubricLevel], Field(min_length=2)]

    @field_validator("thang")
    @classmethod
    def _increasing(cls, levels: list[RubricLevel]) -> list[RubricLevel]:
        points = [lvl.diem for lvl in levels]
        if any(b <= a for a, b in zip(points, points[1:], strict=False)):
            raise ValueError(f"các mức của thang phải có điểm tăng dần, không trùng (đang là {points})")
        return levels

    @property
    def low(self) -> float:
        return self.thang[0].diem

    @property
    def high(self) -> float:
        return self.thang[-1].diem


class CriteriaParams(_Model):
    khung_nang_luc: FrameworkParams = FrameworkParams()
    dao_duc_so: EthicsParams = EthicsParams()
    ky_nang: SkillsParams = SkillsParams()
    guong_mau: RubricParams
    ket_noi: RubricParams
    hoc_hoi: RubricParams

    def rubric(self, criterion: str) -> RubricParams:
        return getattr(self, criterion)


class Policy(_Model):
    nguon: str
    dieu_kien: list[GateId]
    trong_so: Weights
    thu_tu_khi_bang_diem: list[ScoredId] = []
    chi_tieu: Quotas = Quotas()
    diem_toi_thieu: Share = 0.0
    # Raters whose scores for one candidate and criterion differ by this many points or more: discuss.
    lech_can_thao_luan: Annotated[float, Field(gt=0)] = 2
    so_nguoi_danh_gia_toi_thieu: Annotated[int, Field(ge=1)] = 2
    tieu_chi: CriteriaParams

    @field_validator("dieu_kien")
    @classmethod
    def _required_gates(cls, gates: list[str]) -> list[str]:
        missing = [g for g in REQUIRED_GATES if g not in gates]
        if missing:
            raise ValueError(f"thiếu điều kiện bắt buộc {', '.join(missing)}: học sinh là người chưa thành niên và "
                             "tham gia tự nguyện, nên luôn cần em tự nguyện và cha mẹ đồng ý")
        return _no_repeats(gates)

    @field_validator("thu_tu_khi_bang_diem")
    @classmethod
    def _tie_break(cls, keys: list[str]) -> list[str]:
        return _no_repeats(keys)


def _no_repeats(codes: list[str]) -> list[str]:
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValueError(f"mã ghi lặp lại: {', '.join(repeated)}")
    return codes


class _Errors:
    """A filtered view of a ValidationError, in the shape ``problems_from_validation`` reads."""

    def __init__(self, errors: list[dict[str, Any]]):
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


def load_policy(rubrics: Path) -> Policy:
    """Read and check ``rubrics/dai_su_so.yaml``; every problem names the file and the line."""
    doc = load_yaml(rubrics / POLICY_FILE)
    try:
        return Policy.model_validate(doc.data or {})
    except ValidationError as exc:
        ours, rest = [], []
        for err in exc.errors():
            loc = err["loc"]
            # A misspelt criterion under trong_so/tieu_chi: say which ids exist, not just "field not allowed".
            if err["type"] == "extra_forbidden" and len(loc) == 2 and loc[0] in ("trong_so", "tieu_chi"):
                allowed = SCORED if loc[0] == "trong_so" else ("khung_nang_luc", "dao_duc_so", "ky_nang", *RUBRIC)
                what = "không phải mã tiêu chí" if loc[1] not in CRITERIA else "không có ở mục này"
                ours.append(Problem(doc.path, doc.line_of(loc),
                                    f"{loc[0]}.{loc[1]}: '{loc[1]}' {what}; chọn trong: {', '.join(allowed)}"))
            else:
                rest.append(err)
        problems = ours + problems_from_validation(doc, _Errors(rest))
        raise ContentError(sorted(problems, key=lambda p: p.line or 0)) from None


def policy_fingerprint(policy: Policy) -> str:
    """sha256 of the policy's normalised content: comments and layout do not count, any value does."""
    text = json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_weights(policy: Policy, weights: dict[str, float]) -> Policy:
    """The same policy with other weights (already summing to 1), for what-if views."""
    return policy.model_copy(update={"trong_so": Weights.model_construct(**{**dict.fromkeys(SCORED, 0.0),
                                                                            **weights})})
