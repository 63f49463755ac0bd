"""Practical tasks: the format's checks, the file widget, and every shipped task through real nbgrader
(released copy free of keys and rubrics, solution scores full, blank scores 0, written criteria wait for the
teacher, the teacher's formgrader score flows back into the levels)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nanglucso.widgets.files import FileMoveError, FilesWidget, apply_moves, list_files, move

from nanglucso.errors import ContentError
from nanglucso.grade import sync_manual
from nanglucso.store import Store, item_scores, levels
from nanglucso.task_trial import ASSIGNMENT, BLANK, SOLVER, trial
from nanglucso.tasks import BANDS, load_tasks, task_stats

KIT = Path(__file__).parent.parent
EXAMPLE = KIT / "assessments" / "tasks" / "4" / "t4.2-tc-tin-nhan-gia-ngan-hang"


def test_every_competency_and_band_has_a_task():
    stats = task_stats(load_tasks())
    assert stats["gaps"] == []
    assert stats["total"] >= 72
    assert set(stats["criteria"]) == {"check", "item", "written"}  # all three ways of scoring are in use
    for task in load_tasks().tasks.values():
        assert all(c.level in BANDS[task.band] for c in task.criteria()), task.id


def _copy_example(tmp_path: Path) -> tuple[Path, Path]:
    tasks = tmp_path / "tasks"
    shutil.copytree(EXAMPLE, tasks / EXAMPLE.name)
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir(exist_ok=True)
    shutil.copy(KIT / "rubrics" / "tasks" / f"{EXAMPLE.name}.yaml", rubrics)
    return tasks / EXAMPLE.name / "task.yaml", rubrics / f"{EXAMPLE.name}.yaml"


def _errors(tmp_path: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_tasks(tmp_path / "tasks", tmp_path / "rubrics")
    return "\n".join(str(p) for p in info.value.problems)


def test_a_task_out_of_its_band_is_named_with_file_and_line(tmp_path):
    task, _ = _copy_example(tmp_path)
    load_tasks(tmp_path / "tasks", tmp_path / "rubrics")  # the copy itself is valid
    task.write_text(task.read_text(encoding="utf-8").replace("level: TC2", "level: NC1", 1), encoding="utf-8")
    message = _errors(tmp_path)
    assert "task.yaml:" in message and "NC1 không thuộc trình độ TC" in message


def test_a_written_step_needs_a_rubric_whose_top_level_is_its_points(tmp_path):
    task, rubric = _copy_example(tmp_path)
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("- points: 2", "- points: 3"), encoding="utf-8")
    assert "mức cao nhất của 'nhan-gui' là 3 điểm nhưng bước 'written' cho 2 điểm" in _errors(tmp_path)
    rubric.unlink()
    assert "chưa có thang chấm" in _errors(tmp_path)


def test_bad_paths_options_and_folder_names_are_refused(tmp_path):
    task, _ = _copy_example(tmp_path)
    text = task.read_text(encoding="utf-8")
    bad = text.replace("        - {id: e, text: \"Tin nhắn viết không dấu.\"}\n", "").replace(
        "        - {id: d, text: \"Đòi nhập mã OTP, thứ ngân hàng không bao giờ hỏi.\"}\n", "").replace(
        "        - {id: c, text: \"Dọa khóa tài khoản trong 30 phút để người nhận vội làm theo.\"}\n", "")
    bad = bad.replace("key: [a, b, c, d]", "key: [a, b]")
    task.write_text(bad, encoding="utf-8")
    assert "có 2 lựa chọn" in _errors(tmp_path)  # the bank's quality gates hold inside tasks
    task.write_text(text + "\n", encoding="utf-8")
    task.parent.rename(task.parent.with_name("ten-khac"))
    assert "thư mục của bài phải mang đúng mã bài" in _errors(tmp_path)
    shutil.rmtree(tmp_path / "tasks")
    _copy_example(tmp_path)
    files_step = ("  - kind: files\n    id: tep\n    prompt: {vi: \"Sắp xếp\"}\n"
                  "    solution: {\"../../etc/passwd\": \"a.txt\"}\n")
    task.write_text(text.replace("steps:\n", "steps:\n" + files_step, 1), encoding="utf-8")
    assert "phải nằm trong thư mục làm bài" in _errors(tmp_path)


def test_file_moves_stay_inside_the_work_folder(tmp_path):
    root = tmp_path / "work"
    root.mkdir()
    (root / "IMG_1.png").write_bytes(b"x")
    (root / "a.txt").write_text("a", encoding="utf-8")
    assert move(root, "IMG_1.png", "Ảnh", "biển.png") == "Ảnh/biển.png"
    with pytest.raises(FileMoveError, match="đã có tệp"):
        move(root, "a.txt", "Ảnh", "biển.png")
    for folder, name in (("..", "x.txt"), ("", "../x.txt"), ("", ".an"), ("", "  ")):
        with pytest.raises(FileMoveError):
            move(root, "a.txt", folder, name)
    with pytest.raises(FileMoveError, match="không thấy tệp"):
        move(root, "../outside.txt", "", "x.txt")
    assert list_files(root) == ["a.txt", "Ảnh/biển.png"]
    apply_moves(root, {"a.txt": "Văn/a.txt"})
    assert list_files(root) == ["Văn/a.txt", "Ảnh/biển.png"]


def test_the_file_widget_moves_real_files_and_reports_refusals(tmp_path):
    root = tmp_path / "work"
    root.mkdir()
    (root / "bai.txt").write_text("x", encoding="utf-8")
    widget = FilesWidget({"prompt": {"vi": "Sắp xếp"}}, root)
    widget.new_folder.value = "Tieng Viet"
    widget._create()
    assert (root / "Tieng Viet").is_dir() and "Đã tạo thư mục" in widget.status.value
    label, menu, name, go = widget.rows.children[0].children
    menu.value = "Tieng Viet"
    name.value = "bai van.txt"
    go.click()
    assert (root / "Tieng Viet" / "bai van.txt").is_file() and not (root / "bai.txt").exists()
    assert "Đã chuyển" in widget.status.value
    label, menu, name, go = widget.rows.children[0].children
    name.value = "../../thoat.txt"
    go.click()
    assert "không dùng được" in widget.status.value and list_files(root) == ["Tieng Viet/bai van.txt"]


@pytest.fixture(scope="module")
def sat(tmp_path_factory):
    """Every shipped task sat once by a solver and once by a blank student, graded by nbgrader."""
    tasks = load_tasks()
    workdir = tmp_path_factory.mktemp("trial")
    result = trial(tasks, sorted(tasks.tasks), workdir)
    return tasks, workdir / "course", result


def test_every_task_scores_full_with_its_solution_and_zero_when_blank(sat):
    tasks, _, result = sat
    assert result.failures == []
    assert set(result.scores) == set(tasks.criteria())
    assert not [p for p in result.problems if p["kind"] not in ("missing_responses",)]


def test_released_copy_carries_no_key_solution_rubric_or_model_answer(sat):
    tasks, course, _ = sat
    released = course / "release" / ASSIGNMENT
    text = "\n".join(p.read_text(encoding="utf-8") for p in released.rglob("*") if p.suffix in (".ipynb", ".json"))
    assert "BEGIN MARK SCHEME" not in text and "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    for task in tasks.tasks.values():
        # What the student is meant to see: a line of a test or solution may repeat it (an import, a path).
        shown = "\n".join(str(getattr(s, f, "")) for s in task.steps for f in ("starter", "prompt", "text"))
        for step in task.steps:
            if step.kind in ("check", "code"):
                secret = step.tests if step.kind == "check" else step.solution
                lines = [ln.strip() for ln in secret.splitlines() if len(ln.strip()) > 12 and ln.strip() not in shown]
                leaked = [ln for ln in lines if ln in text]
                assert not leaked, (task.id, leaked)
            if step.kind == "written":
                assert step.example.strip()[:60] not in text, task.id
                rubric = tasks.rubrics[task.id].criteria[step.id]
                assert rubric[-1].descriptor.vi[:60] not in text, task.id
            if step.kind == "item" and step.item.type != "short_text":
                assert step.item.feedback.vi[:60] not in text, task.id
    # The work folders travel with the assignment, untouched.
    for task_id in tasks.tasks:
        source = tasks.work_folder(task_id)
        if source:
            assert list_files(released / task_id) == list_files(source)


def test_formgrader_sees_the_answer_and_rubric_and_feedback_hides_the_rubric(sat):
    tasks, course, _ = sat
    from nanglucso.course import open_course

    graded = nbformat.read(str(course / "autograded" / SOLVER / ASSIGNMENT / "thuc_hanh.ipynb"), as_version=4)
    sources = "\n".join(c.source for c in graded.cells)
    written = [(t, s) for t in tasks.tasks.values() for s in t.steps if s.kind == "written"]
    task, step = written[0]
    assert "BEGIN MARK SCHEME" in sources and tasks.rubrics[task.id].criteria[step.id][-1].descriptor.vi in sources
    assert step.example.splitlines()[0] in sources  # the student's own text, shown above the task cell
    api = open_course(course).api()
    assert api.generate_feedback(ASSIGNMENT, SOLVER)["success"]
    html = next((course / "feedback" / SOLVER / ASSIGNMENT).glob("*.html")).read_text(encoding="utf-8")
    assert "MARK SCHEME" not in html
    assert tasks.rubrics[task.id].criteria[step.id][-1].descriptor.vi[:50] not in html


def test_a_teachers_formgrader_score_flows_into_the_levels(sat):
    tasks, course, _ = sat
    from nbgrader.api import Gradebook

    from nanglucso.build import grade_id
    from nanglucso.course import open_course

    c = open_course(course)
    store = Store(c.db_url)
    pending = [r for r in store.rows(item_scores, assignment=ASSIGNMENT, student_id=SOLVER) if r["pending"]]
    assert pending and all(r["score"] is None for r in pending)
    blank = {r["item_id"]: r for r in store.rows(item_scores, assignment=ASSIGNMENT, student_id=BLANK)}
    assert all(blank[r["item_id"]]["score"] == 0 and not blank[r["item_id"]]["pending"] for r in pending)
    # What formgrader does when the teacher types a score.
    with Gradebook(c.gradebook_url, c.course_id) as gb:
        for row in pending:
            g = gb.find_grade(grade_id(row["item_id"]), "thuc_hanh", ASSIGNMENT, SOLVER)
            g.manual_score = row["max_score"]
            g.needs_manual_grade = False
        gb.db.commit()
    report = sync_manual(c, ASSIGNMENT)
    assert {r.student_id for r in report.results} == {SOLVER, BLANK}
    solver = next(r for r in report.results if r.student_id == SOLVER)
    assert solver.pending == 0 and solver.score == solver.max_score
    after = {r["item_id"]: r for r in store.rows(item_scores, assignment=ASSIGNMENT, student_id=SOLVER)}
    assert all(after[r["item_id"]]["score"] == r["max_score"] and not after[r["item_id"]]["pending"]
               for r in pending)
    # Full marks everywhere: the solver masters every competency the tasks touch at their top level.
    rows = store.rows(levels, assignment=ASSIGNMENT, student_id=SOLVER, scope="competency")
    assert {r["code"] for r in rows} == {t.competency for t in tasks.tasks.values()}
    assert all(r["level"] is not None for r in rows)


def test_task_try_command_reports_each_criterion(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "nanglucso.cli", "task", "try", EXAMPLE.name],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "t4.2-tc-tin-nhan-gia-ngan-hang.nhan-gui" in out.stdout and "chờ chấm tay" in out.stdout
    assert "Mọi tiêu chí chấm đúng: 3 tiêu chí của 1 bài." in out.stdout
    bad = subprocess.run([sys.executable, "-m", "nanglucso.cli", "task", "try", "t9.9-cb-khong-co"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 1 and "không có bài thực hành t9.9-cb-khong-co" in bad.stderr


def test_manifest_lists_tasks_and_file_widgets(sat):
    tasks, course, _ = sat
    manifest = json.loads((course / "source" / ASSIGNMENT / "thuc_hanh.items.json").read_text(encoding="utf-8"))
    assert {t["id"] for t in manifest["tasks"]} == set(tasks.tasks)
    files_steps = {f"{t.id}.{t.files_step.id}" for t in tasks.tasks.values() if t.files_step}
    assert set(manifest["works"]) == files_steps
    assert all(i.get("task") for i in manifest["items"])


def test_a_missing_picture_is_named_once(tmp_path):
    task, _ = _copy_example(tmp_path)
    text = task.read_text(encoding="utf-8")
    task.write_text(text.replace("dưới đây. Mẹ nhờ Minh", "dưới đây ![tin nhắn](khong-co.png). Mẹ nhờ Minh"),
                    encoding="utf-8")
    message = _errors(tmp_path)
    assert message.count("không thấy tệp ảnh 'khong-co.png'") == 1
    task.write_text(text.replace("      id: xu-ly\n", "      id: xu-ly\n      image: thieu.png\n"), encoding="utf-8")
    assert "không thấy tệp ảnh 'thieu.png'" in _errors(tmp_path)
