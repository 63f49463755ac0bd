"""The committee's papers for "Đại sứ số học đường": the list proposed for recognition ("DANH SÁCH đề nghị công
nhận") and the minutes of the selection meeting ("BIÊN BẢN họp Hội đồng xét chọn"), each as an Excel workbook
and as a PDF in the Vietnamese administrative form.

Everything here reads one ``CommitteeData`` (ranking, robustness, recorded decision) and only lays it out: the
choosing is ambassador_rank's. An export refuses a decision that no longer matches the ranking, so no paper
carries a list the evidence does not give.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import charts
from .ambassador_inputs import Inputs, load_inputs, record_policy, selected_ambassadors
from .ambassador_log import activity_evidence, evidence_line, previous_school_year
from .ambassador_policy import CRITERIA, SCORED, Policy, load_policy, vn_number
from .ambassador_rank import Outcome, Ranking, Robustness, rank, robustness
from .course import Course
from .errors import KitError
from .export_pdf import AdminDoc, Heading, Image, Paragraph, Table, write_admin_pdf
from .export_xlsx import Chart, Sheet, write_workbook
from .report_export import reports_dir
from .store import Store
from .text import clean, strip_tones, vn_key

VN_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # the database keeps UTC; people read Vietnam time
STRONG = 0.75  # a criterion scored at least this (0..1) counts among a pupil's main strengths
MAX_STRENGTHS = 3
# Short names for narrow places (column headers on screen, the list's "main strengths"), so that pupils' names
# keep their line; the full names (CRITERIA) are used wherever there is room.
SHORT_NAMES = {"khung_nang_luc": "Khung năng lực số", "dao_duc_so": "Đạo đức số", "ky_nang": "Kỹ năng số",
               "guong_mau": "Gương mẫu", "ket_noi": "Kết nối bạn bè", "hoc_hoi": "Tinh thần học hỏi",
               "tu_nguyen": "Tự nguyện", "dong_y_cha_me": "Cha mẹ đồng ý"}
GENDER_ORDER = ("Nam", "Nữ")
NO_GENDER = "Chưa ghi"


# --- the data the committee works from ----------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The committee's recorded decision (table ``ambassadors``)."""

    decided_by: str
    decided_at: dt.datetime  # Vietnam time
    policy_fingerprint: str
    student_ids: frozenset[str]

    def when(self) -> str:
        return f"{self.decided_at:%H:%M} ngày {self.decided_at:%d/%m/%Y}"


@dataclass(frozen=True)
class CommitteeData:
    """Everything the committee's app and papers show, read once from the course."""

    school_year: str
    policy: Policy
    inputs: Inputs
    ranking: Ranking
    robust: Robustness
    genders: dict[str, str]  # student_id -> Nam, Nữ, Chưa ghi (or what the roster says)
    decision: Decision | None
    # Last school year's activity log of the candidates who have one: student_id -> evidence_line.
    last_year: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        return {c.student_id: c.full_name for c in self.inputs.candidates}

    @property
    def raters(self) -> dict[str, int]:
        """Each rater and how many scores they gave, in Vietnamese name order."""
        counts = Counter(r.rater for r in self.inputs.ratings)
        return {r: counts[r] for r in sorted(counts, key=vn_key)}

    def decision_problem(self) -> str | None:
        """Why the recorded decision cannot be exported as it stands (None when it can)."""
        d = self.decision
        year = self.school_year
        if d is None:
            return (f"Hội đồng chưa lưu quyết định năm học {year}: ở thẻ “Quyết định và xuất”, ghi tên người "
                    "quyết định rồi bấm “Lưu quyết định” (dòng lệnh: nanglucso ambassadors export --by \"TÊN\") "
                    "trước khi xuất.")
        changes = []
        if d.policy_fingerprint != self.ranking.policy_fingerprint:
            changes.append("chính sách xét chọn (rubrics/dai_su_so.yaml) đã được sửa")
        now = set(self.ranking.selected_ids)
        added = [self.names.get(i, i) for i in sorted(now - d.student_ids)]
        gone = [self.names.get(i, i) for i in sorted(d.student_ids - now)]
        if added:
            changes.append("nay được chọn thêm: " + ", ".join(added))
        if gone:
            changes.append("nay không còn được chọn: " + ", ".join(gone))
        if not changes:
            return None
        return (f"Quyết định lưu lúc {d.when()} khác kết quả xếp hạng hiện tại ({'; '.join(changes)}), vì điểm, "
                "hồ sơ ứng viên hoặc chính sách đã thay đổi sau đó. Xem lại thẻ “Xếp hạng” rồi bấm “Lưu quyết "
                "định” lại trước khi xuất.")


def _gender(value: object) -> str:
    word = strip_tones(clean(str(value or ""))).casefold()
    if word in ("nam", "m", "male", "trai"):
        return "Nam"
    if word in ("nu", "f", "female", "gai"):
        return "Nữ"
    return clean(str(value)) if word else NO_GENDER


def _vn_time(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # SQLite hands back the stored UTC time without its zone
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VN_TIME)


def _decision(course: Course, year: str) -> Decision | None:
    table = selected_ambassadors(course, year)
    if table is None:
        return None
    first = table.iloc[0]
    return Decision(str(first["decided_by"] or ""), _vn_time(pd.Timestamp(first["decided_at"]).to_pydatetime()),
                    str(first["policy_fingerprint"]), frozenset(table["student_id"]))


def load_committee(course: Course, school_year: str | None = None, recorded_by: str = "") -> CommitteeData:
    """Read the policy (recording it), this year's evidence and decision; rank and test the ranking's robustness.

    Raises ContentError naming the line when rubrics/dai_su_so.yaml is wrong."""
    year = school_year or course.school_year
    policy = load_policy(course.rubrics_root())
    record_policy(course, policy, recorded_by)
    inputs = load_inputs(course, year)
    ranking = rank(inputs.candidates, inputs.levels, inputs.ratings, policy)
    robust = robustness(inputs.candidates, inputs.levels, inputs.ratings, policy)
    ids = {c.student_id for c in inputs.candidates}
    genders = {s["student_id"]: _gender(s.get("gender")) for s in Store(course.db_url).students()
               if s["student_id"] in ids}
    before = previous_school_year(year)
    last_year = {sid: evidence_line(ev, before) for sid, ev in activity_evidence(course, before).items()
                 if sid in ids}
    return CommitteeData(year, policy, inputs, ranking, robust, genders, _decision(course, year), last_year)


@dataclass
class Meeting:
    """What the minutes say about the meeting itself (typed in by the committee's secretary)."""

    held_on: dt.date = field(default_factory=dt.date.today)
    chair: str = ""
    secretary: str = ""
    members: list[str] = field(default_factory=list)  # present at the meeting
    notes: str = ""  # the committee's conclusions on the disagreements, in its own words
    number: str = ""  # document number, e.g. "Số: 05/BB-THCS"


# --- tables ---------------------------------------------------------------------------------------------------


def status(o: Outcome) -> str:
    return "Được chọn" if o.selected else "Không được chọn" if o.eligible else "Chưa đủ điều kiện"


def main_strengths(o: Outcome) -> str:
    """The weighted criteria the pupil scored best on (at least ``STRONG``, at most three; else the best one)."""
    weighted = [s for s in o.scores if s.weight > 0]
    best = sorted(weighted, key=lambda s: (-round(s.value, 9), -s.weight, SCORED.index(s.criterion)))
    strong = [s for s in best if s.value >= STRONG - 1e-9][:MAX_STRENGTHS]
    return "; ".join(SHORT_NAMES[s.criterion] for s in (strong or best[:1]))


def weight_label(criterion: str, weight: float) -> str:
    return f"{CRITERIA[criterion]} (×{vn_number(weight)})"


def breakdown_frame(data: CommitteeData) -> pd.DataFrame:
    """One row per candidate: gates, each weighted criterion's score (0–1), total, ranks, result, reason."""
    gates = data.policy.dieu_kien
    weights = data.policy.trong_so.weighted()
    rows = []
    for o in data.ranking.outcomes:
        row: dict[str, object] = {"Lớp": o.candidate.class_name, "Mã học sinh": o.student_id,
                                  "Họ và tên": o.candidate.full_name}
        passed = {g.criterion: g.passed for g in o.gates}
        row |= {f"Điều kiện: {CRITERIA[g]}": "Đạt" if passed[g] else "Chưa đạt" for g in gates}
        row |= {weight_label(c, w): round(o.score(c).value, 3) for c, w in weights.items()}
        row |= {"Tổng điểm": round(o.total, 3), "Hạng trong lớp": o.class_rank, "Hạng toàn trường": o.school_rank,
                "Kết quả": status(o), "Lí do": o.reason, "Cần lưu ý": "; ".join(o.flags)}
        rows.append(row)
    return pd.DataFrame(rows)


def proposed_frame(data: CommitteeData) -> pd.DataFrame:
    """The decided pupils: STT, name, class, total and main strengths, by class then class rank."""
    chosen = [o for o in data.ranking.outcomes if o.selected]
    return pd.DataFrame({"STT": range(1, len(chosen) + 1),
                         "Họ và tên": [o.candidate.full_name for o in chosen],
                         "Lớp": [o.candidate.class_name for o in chosen],
                         "Tổng điểm": [round(o.total, 3) for o in chosen],
                         "Điểm mạnh chính": [main_strengths(o) for o in chosen]})


def disagreement_frame(data: CommitteeData) -> pd.DataFrame:
    rows = [{"Học sinh": d.full_name, "Lớp": data.ranking.outcome(d.student_id).candidate.class_name,
             "Tiêu chí": CRITERIA[d.criterion],
             "Điểm của từng người": ", ".join(f"{r} {vn_number(s)}" for r, s in d.scores),
             "Chênh lệch": d.spread} for d in data.ranking.disagreements]
    return pd.DataFrame(rows, columns=["Học sinh", "Lớp", "Tiêu chí", "Điểm của từng người", "Chênh lệch"])


def robustness_frame(data: CommitteeData) -> pd.DataFrame:
    names = data.names
    rows = [{"Tiêu chí": CRITERIA[s.criterion], "Trọng số": s.before,
             "Điều chỉnh": f"{'+' if s.factor > 1 else '−'}{round(abs(s.factor - 1) * 100):g}%",
             "Trọng số mới": round(s.weights[s.criterion], 4),
             "Danh sách": "Thay đổi" if s.changed else "Không đổi",
             "Vào danh sách": ", ".join(names.get(i, i) for i in s.entered),
             "Ra khỏi danh sách": ", ".join(names.get(i, i) for i in s.left)} for s in data.robust.shifts]
    return pd.DataFrame(rows, columns=["Tiêu chí", "Trọng số", "Điều chỉnh", "Trọng số mới", "Danh sách",
                                       "Vào danh sách", "Ra khỏi danh sách"])


def robustness_sentence(data: CommitteeData) -> str:
    shifts = data.robust.shifts
    if not shifts:
        return "Chỉ có một tiêu chí tính điểm nên không có trọng số nào để thử thay đổi."
    if data.robust.stable:
        return (f"Danh sách được chọn không đổi khi trọng số của từng tiêu chí tăng hoặc giảm 10% ({len(shifts)} lần "
                "thử): lựa chọn không phụ thuộc vào một chi tiết của trọng số.")
    changed = [s for s in shifts if s.changed]
    who = sorted({data.names.get(i, i) for s in changed for i in (*s.entered, *s.left)}, key=vn_key)
    return (f"{len(changed)}/{len(shifts)} lần thử (trọng số một tiêu chí tăng hoặc giảm 10%) làm danh sách thay "
            f"đổi: lựa chọn giữa {', '.join(who)} phụ thuộc vào trọng số; hội đồng cần cân nhắc kĩ các em này.")


def _genders_present(data: CommitteeData) -> list[str]:
    found = set(data.genders.values())
    others = sorted(found - {*GENDER_ORDER, NO_GENDER}, key=vn_key)
    return [g for g in GENDER_ORDER if g in found] + others + ([NO_GENDER] if NO_GENDER in found else [])


def class_gender_frame(data: CommitteeData) -> pd.DataFrame:
    """Per class (and the school): candidates, eligible, selected, and the selected by gender."""
    genders = _genders_present(data)

    def row(label: str, outcomes: list[Outcome]) -> dict[str, object]:
        chosen = [o for o in outcomes if o.selected]
        out: dict[str, object] = {"Lớp": label, "Ứng viên": len(outcomes),
                                  "Đủ điều kiện": sum(o.eligible for o in outcomes), "Được chọn": len(chosen)}
        for g in genders:
            out[f"Được chọn: {g}"] = sum(data.genders.get(o.student_id, NO_GENDER) == g for o in chosen)
        return out

    rows = [row(cls, members) for cls, members in data.ranking.by_class().items()]
    rows.append(row("Toàn trường", list(data.ranking.outcomes)))
    return pd.DataFrame(rows)


def gender_frame(data: CommitteeData) -> pd.DataFrame:
    """Per gender: candidates, eligible, selected, and the share of candidates selected."""
    rows = []
    for g in _genders_present(data):
        part = [o for o in data.ranking.outcomes if data.genders.get(o.student_id, NO_GENDER) == g]
        chosen = sum(o.selected for o in part)
        rows.append({"Giới tính": g, "Ứng viên": len(part), "Đủ điều kiện": sum(o.eligible for o in part),
                     "Được chọn": chosen, "Tỉ lệ được chọn": chosen / len(part) if part else float("nan")})
    return pd.DataFrame(rows, columns=["Giới tính", "Ứng viên", "Đủ điều kiện", "Được chọn", "Tỉ lệ được chọn"])


def policy_lines(policy: Policy, fingerprint: str) -> list[str]:
    """The policy in plain Vietnamese, one line per rule, ending with its fingerprint."""
    quota = policy.chi_tieu
    school = "không giới hạn" if quota.toan_truong is None else f"tối đa {quota.toan_truong} em"
    per_class = "không giới hạn" if quota.moi_lop is None else f"tối đa {quota.moi_lop} em"
    lines = [
        f"Căn cứ: {policy.nguon}.",
        "Điều kiện bắt buộc (thiếu một điều kiện thì không được xét): "
        + "; ".join(CRITERIA[g] for g in policy.dieu_kien) + ".",
        "Trọng số trong tổng điểm (mỗi tiêu chí quy về thang 0–1): "
        + "; ".join(f"{CRITERIA[c]} {vn_number(w)}" for c, w in policy.trong_so.weighted().items()) + ".",
        f"Chỉ tiêu: mỗi lớp {per_class}; toàn trường {school}"
        + ("; khi không đủ chỉ tiêu cho mọi lớp, em đứng đầu mỗi lớp được xét trước." if quota.uu_tien_moi_lop_mot
           and quota.toan_truong is not None else "."),
        "Khi bằng tổng điểm: so lần lượt " + ", ".join(CRITERIA[c] for c in policy.thu_tu_khi_bang_diem)
        + ", rồi thứ tự tên trong danh sách lớp, cuối cùng là mã học sinh.",
        f"Điểm của các người đánh giá cho cùng một em, cùng một tiêu chí chênh nhau từ "
        f"{vn_number(policy.lech_can_thao_luan)} điểm trở lên thì đưa ra hội đồng thảo luận; mỗi em cần ít nhất "
        f"{policy.so_nguoi_danh_gia_toi_thieu} người đánh giá.",
    ]
    if policy.diem_toi_thieu > 0:
        lines.insert(4, f"Tổng điểm tối thiểu để được chọn: {vn_number(policy.diem_toi_thieu)}.")
    lines.append(f"Dấu vân tay (sha256) của chính sách đã dùng: {fingerprint}.")
    return lines


def totals_chart(outcomes: list[Outcome], title: str) -> Figure:
    """Horizontal bars of totals (0–1): green selected, blue eligible not selected, grey not eligible."""
    fig = Figure(figsize=(9, 0.38 * len(outcomes) + 1.5))  # no pyplot: nothing to close, no display needed
    ax = fig.subplots()
    labels = [f"{o.candidate.full_name} ({o.candidate.class_name})" for o in outcomes]
    colours = [charts.GREEN if o.selected else charts.BLUE if o.eligible else charts.GREY for o in outcomes]
    ax.barh(labels, [o.total for o in outcomes], color=colours)
    for y, o in enumerate(outcomes):
        ax.text(min(o.total + 0.01, 0.93), y, vn_number(round(o.total, 3)), va="center", fontsize=9)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("Tổng điểm (0–1)")
    ax.set_title(title, loc="left", fontsize=11)
    ax.invert_yaxis()
    ax.legend(handles=[Patch(color=charts.GREEN, label="Được chọn"), Patch(color=charts.BLUE, label="Đủ điều kiện"),
                       Patch(color=charts.GREY, label="Chưa đủ điều kiện")], loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def school_order(data: CommitteeData) -> list[Outcome]:
    """All candidates in school order: the eligible by school rank, then the others by class."""
    eligible = sorted((o for o in data.ranking.outcomes if o.school_rank), key=lambda o: o.school_rank or 0)
    return eligible + [o for o in data.ranking.outcomes if not o.school_rank]


# --- the papers -----------------------------------------------------------------------------------------------


def _vn_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _school(course: Course) -> str:
    return course.config.school or course.course_id


def _abbr(course: Course) -> str:
    return "".join(w[0] for w in (course.config.school or "TRUONG").split() if w[:1].isalpha()).upper()


def _chosen_line(data: CommitteeData) -> str:
    chosen = [o for o in data.ranking.outcomes if o.selected]
    return ", ".join(f"{o.candidate.full_name} ({o.candidate.class_name})" for o in chosen) or "không em nào"


def _decided(data: CommitteeData) -> Decision:
    problem = data.decision_problem()
    if problem:
        raise KitError(problem)
    assert data.decision is not None
    return data.decision


def proposed_xlsx(course: Course, path: Path, data: CommitteeData, meeting: Meeting) -> Path:
    d = _decided(data)
    heading = [_school(course), f"DANH SÁCH đề nghị công nhận “Đại sứ số học đường” năm học {data.school_year}",
               f"Kèm theo Biên bản họp Hội đồng xét chọn ngày {_vn_date(meeting.held_on)}"]
    notes = [f"Tổng điểm trên thang 0–1 theo chính sách có dấu vân tay {data.ranking.policy_fingerprint}.",
             f"Quyết định do {d.decided_by or 'Hội đồng'} ghi nhận lúc {d.when()}."]
    table = proposed_frame(data)
    return write_workbook(path, [Sheet("Đề nghị công nhận", heading, table, notes=notes,
                                       charts=[Chart("Tổng điểm", "Họ và tên", ["Tổng điểm"], percent=False)])])


def proposed_pdf(course: Course, path: Path, data: CommitteeData, meeting: Meeting) -> Path:
    d = _decided(data)
    cfg = course.config
    table = proposed_frame(data)
    n, classes = len(table), table["Lớp"].nunique()
    blocks: list = [
        Paragraph(f"Căn cứ {data.policy.nguon};"),
        Paragraph(f"Căn cứ Biên bản họp Hội đồng xét chọn “Đại sứ số học đường” năm học {data.school_year} ngày "
                  f"{_vn_date(meeting.held_on)};"),
        Paragraph(f"{_school(course)} đề nghị công nhận {n} học sinh sau đây là “Đại sứ số học đường” năm học "
                  f"{data.school_year}:"),
        Table(table, caption=f"Danh sách {n} học sinh thuộc {classes} lớp"),
        Paragraph(f"Các em đã tự nguyện tham gia, có sự đồng ý của cha mẹ và đáp ứng các điều kiện của chính sách "
                  f"xét chọn (dấu vân tay {data.ranking.policy_fingerprint[:16]}…). Quyết định của Hội đồng do "
                  f"{d.decided_by or 'Hội đồng'} ghi nhận lúc {d.when()}."),
    ]
    doc = AdminDoc(authority=(cfg.authority or "").upper(), issuer=_school(course).upper(),
                   number=f"Số:      /DS-{_abbr(course)}", place=cfg.commune or cfg.province or "",
                   date=meeting.held_on, kind="DANH SÁCH",
                   subject=f"Đề nghị công nhận “Đại sứ số học đường” năm học {data.school_year}",
                   blocks=blocks, recipients=[x for x in (cfg.authority, "Hội đồng xét chọn") if x],
                   signer_title="HIỆU TRƯỞNG", signer_name=cfg.principal)
    return write_admin_pdf(path, doc)


def _members_line(meeting: Meeting) -> str:
    return ", ".join(m for m in meeting.members if m.strip()) or "(chưa ghi)"


def _raters_line(data: CommitteeData) -> str:
    return ", ".join(f"{r} ({n} điểm)" for r, n in data.raters.items()) or "chưa có ai chấm"


def _counts_line(data: CommitteeData) -> str:
    outcomes = data.ranking.outcomes
    return (f"{len(outcomes)} ứng viên, {sum(o.eligible for o in outcomes)} em đủ điều kiện, "
            f"{sum(o.selected for o in outcomes)} em được chọn")


def minutes_xlsx(course: Course, path: Path, data: CommitteeData, meeting: Meeting) -> Path:
    d = _decided(data)
    fp = data.ranking.policy_fingerprint
    heading = [_school(course),
               f"BIÊN BẢN họp Hội đồng xét chọn “Đại sứ số học đường” năm học {data.school_year}",
               f"Ngày họp {_vn_date(meeting.held_on)}"]
    facts = [("Ngày họp", _vn_date(meeting.held_on)), ("Chủ tịch", meeting.chair), ("Thư ký", meeting.secretary),
             ("Thành viên dự họp", _members_line(meeting)), ("Người đánh giá", _raters_line(data)),
             *[("Chính sách", line) for line in policy_lines(data.policy, fp)],
             ("Kết quả", _counts_line(data)), ("Được chọn", _chosen_line(data)),
             ("Ý kiến chênh lệch", f"{len(data.ranking.disagreements)} trường hợp (xem trang Chênh lệch)"),
             ("Kết luận về các ý kiến chênh lệch", meeting.notes), ("Độ vững", robustness_sentence(data)),
             ("Quyết định", f"{d.decided_by or 'Hội đồng'}, lúc {d.when()}")]
    facts_frame = pd.DataFrame(facts, columns=["Mục", "Nội dung"])
    sub = [_school(course), f"Hội đồng xét chọn “Đại sứ số học đường” năm học {data.school_year}"]
    sheets = [
        Sheet("Biên bản", heading, facts_frame),
        Sheet("Xếp hạng", [*sub, "Xếp hạng và lí do, từng ứng viên"], breakdown_frame(data),
              charts=[Chart("Tổng điểm", "Họ và tên", ["Tổng điểm"], percent=False)],
              notes=["Điểm mỗi tiêu chí trên thang 0–1; tổng điểm = Σ trọng số × điểm.",
                     f"Dấu vân tay chính sách: {fp}."]),
        Sheet("Chênh lệch", [*sub, "Các ý kiến chênh lệch cần thảo luận"], disagreement_frame(data),
              notes=[meeting.notes] if meeting.notes else []),
        Sheet("Độ vững", [*sub, "Danh sách khi trọng số của từng tiêu chí thay đổi ±10%"], robustness_frame(data),
              notes=[robustness_sentence(data)]),
        Sheet("Theo lớp", [*sub, "Tổng hợp theo lớp"], class_gender_frame(data)),
        Sheet("Theo giới tính", [*sub, "Tổng hợp theo giới tính"], gender_frame(data),
              percent_columns=["Tỉ lệ được chọn"]),
    ]
    return write_workbook(path, sheets)


def minutes_pdf(course: Course, path: Path, data: CommitteeData, meeting: Meeting) -> Path:
    d = _decided(data)
    cfg = course.config
    fp = data.ranking.policy_fingerprint
    year = data.school_year
    weights = data.policy.trong_so.weighted()
    results = pd.DataFrame([{"STT": k, "Họ và tên": o.candidate.full_name, "Lớp": o.candidate.class_name,
                             "Tổng điểm": round(o.total, 3), "Hạng lớp": o.class_rank, "Kết quả": status(o),
                             "Lí do": o.reason} for k, o in enumerate(data.ranking.outcomes, start=1)])
    results["Hạng lớp"] = results["Hạng lớp"].astype("Int64")
    failed = {o.student_id: [CRITERIA[g.criterion] for g in o.gates if not g.passed] for o in data.ranking.outcomes}
    scores = pd.DataFrame([{"Họ và tên": o.candidate.full_name,
                            "Điều kiện": "Đạt" if not failed[o.student_id]
                            else "Chưa đạt: " + "; ".join(failed[o.student_id]),
                            **{weight_label(c, w): round(o.score(c).value, 2) for c, w in weights.items()},
                            "Tổng": round(o.total, 3)} for o in data.ranking.outcomes])
    blocks: list = [
        Paragraph(f"Hôm nay, ngày {_vn_date(meeting.held_on)}, tại {_school(course)}, Hội đồng xét chọn “Đại sứ số "
                  f"học đường” năm học {year} họp để xét chọn học sinh theo chính sách của nhà trường."),
        Heading("I. THÀNH PHẦN"),
        Paragraph(f"Chủ tịch Hội đồng: {meeting.chair or '(chưa ghi)'}. Thư ký: {meeting.secretary or '(chưa ghi)'}."),
        Paragraph(f"Thành viên dự họp: {_members_line(meeting)}."),
        Paragraph(f"Người đánh giá theo tiêu chí: {_raters_line(data)}."),
        Heading("II. NỘI DUNG"),
        Heading("1. Chính sách xét chọn"),
        *[Paragraph(line) for line in policy_lines(data.policy, fp)],
        Heading("2. Kết quả đánh giá và xếp hạng"),
        Paragraph(f"Có {_counts_line(data)}. Bảng 1 ghi kết quả và lí do của từng em; Bảng 2 ghi các điều kiện và "
                  "điểm từng tiêu chí (thang 0–1; tổng điểm = Σ trọng số × điểm)."),
        Table(results, caption="Bảng 1. Kết quả xét chọn và lí do"),
        Table(scores, caption="Bảng 2. Điều kiện và điểm từng tiêu chí"),
        Image(charts.png(totals_chart(school_order(data), "Tổng điểm các ứng viên"), dpi=150), width_cm=15,
              caption="Hình 1. Tổng điểm: xanh lá — được chọn; xanh dương — đủ điều kiện; xám — chưa đủ điều kiện"),
        Heading("3. Các ý kiến chênh lệch đã thảo luận"),
    ]
    if data.ranking.disagreements:
        blocks.append(Table(disagreement_frame(data), caption="Bảng 3. Điểm chênh lệch giữa các người đánh giá"))
    else:
        blocks.append(Paragraph("Không có trường hợp nào các người đánh giá cho điểm chênh lệch lớn."))
    blocks.append(Paragraph(f"Kết luận của Hội đồng: {meeting.notes.strip() or '(chưa ghi)'}"))
    blocks += [Heading("4. Độ vững của kết quả"), Paragraph(robustness_sentence(data))]
    changed = robustness_frame(data)
    changed = changed[changed["Danh sách"] == "Thay đổi"]
    if not changed.empty:
        blocks.append(Table(changed.drop(columns=["Danh sách"]), caption="Bảng 4. Các lần thử làm danh sách thay đổi"))
    blocks += [
        Heading("5. Tổng hợp theo lớp và giới tính"),
        Table(class_gender_frame(data), caption="Theo lớp"),
        Table(gender_frame(data), percent_columns=["Tỉ lệ được chọn"], caption="Theo giới tính"),
        Heading("III. KẾT LUẬN"),
        Paragraph(f"Hội đồng thống nhất đề nghị Hiệu trưởng công nhận {len(d.student_ids)} học sinh là “Đại sứ số "
                  f"học đường” năm học {year}: {_chosen_line(data)} (danh sách kèm theo)."),
        Paragraph(f"Quyết định do {d.decided_by or 'Hội đồng'} ghi nhận vào hệ thống lúc {d.when()}; cùng các dữ "
                  "liệu đầu vào, chính sách trên luôn cho đúng kết quả xếp hạng này."),
        Paragraph("Biên bản được đọc lại cho các thành viên dự họp cùng nghe và nhất trí thông qua."),
        Paragraph(f"THƯ KÝ: {meeting.secretary or '…………………'}"),
    ]
    doc = AdminDoc(authority=(cfg.authority or "").upper(), issuer=_school(course).upper(),
                   number=meeting.number or f"Số:      /BB-{_abbr(course)}", place=cfg.commune or cfg.province or "",
                   date=meeting.held_on, kind="BIÊN BẢN",
                   subject=f"Họp Hội đồng xét chọn “Đại sứ số học đường” năm học {year}",
                   blocks=blocks, recipients=["Hiệu trưởng", "Thành viên Hội đồng", "Lưu: VT, hồ sơ Đại sứ số"],
                   signer_title="CHỦ TỊCH HỘI ĐỒNG", signer_name=meeting.chair or cfg.principal)
    return write_admin_pdf(path, doc)


Writer = Callable[[Course, Path, CommitteeData, Meeting], Path]
PAPERS: list[tuple[str, str, Writer]] = [  # label, file stem, writer
    ("Danh sách đề nghị (Excel)", "dai_su_so_de_nghi", proposed_xlsx),
    ("Danh sách đề nghị (PDF)", "dai_su_so_de_nghi", proposed_pdf),
    ("Biên bản họp (Excel)", "bien_ban_dai_su_so", minutes_xlsx),
    ("Biên bản họp (PDF)", "bien_ban_dai_su_so", minutes_pdf),
]


def paper_path(course: Course, stem: str, writer: Writer, school_year: str) -> Path:
    ext = "pdf" if writer.__name__.endswith("_pdf") else "xlsx"
    return reports_dir(course) / f"{stem}_{school_year}.{ext}"


def export_actions(course: Course, meeting: Callable[[], Meeting] | Meeting,
                   school_year: str | None = None) -> list[tuple[str, Callable[[], Path]]]:
    """The four papers, each a call that reads the course afresh and writes into its bao_cao/ folder."""
    def action(stem: str, writer: Writer) -> Callable[[], Path]:
        def run() -> Path:
            data = load_committee(course, school_year)
            info = meeting() if callable(meeting) else meeting
            return writer(course, paper_path(course, stem, writer, data.school_year), data, info)
        return run

    return [(label, action(stem, writer)) for label, stem, writer in PAPERS]
