"""Read YAML content files while remembering where each value stands, so errors can name the line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, Problem


@dataclass
class Located:
    """A parsed YAML document and the node tree that knows each value's line."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the value at ``loc`` (keys and list indices), or of its nearest parent."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == str(part)), None)
                if found is None:
                    break
                # Point at the key's own line: that is where a teacher looks.
                key_node = next(k for k, v in node.value if v is found)
                line = key_node.start_mark.line + 1
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line


# libyaml's loader (shipped in PyYAML's wheels) is ~10× faster on a bank of hundreds of items.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Located:
    """Parse ``path``; a syntax error becomes a ContentError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        message = f"tệp không phải UTF-8 ({exc.reason}); hãy lưu lại bằng UTF-8"
        raise ContentError([Problem(path, None, message)]) from None
    except OSError as exc:
        raise ContentError([Problem(path, None, f"không đọc được tệp: {exc.strerror}")]) from None
    try:
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError([Problem(path, line, f"lỗi cú pháp YAML: {exc.problem or exc.context}")]) from None
    return Located(path, data, root)


def problems_from_validation(doc: Located, exc: Exception, base: tuple[Any, ...] = ()) -> list[Problem]:
    """Turn a pydantic ValidationError on (part of) ``doc`` into Problems that name the line."""
    problems = []
    for err in exc.errors():  # type: ignore[attr-defined]
        # pydantic adds the union tag (e.g. 'single_choice') to the location: it is no key of the file.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _TAGS))
        if err.get("type") == "union_tag_invalid":
            loc += ("type",)  # point at the bad 'type:' line, not at the item
        message = _vi_message(err)
        text = f"{'.'.join(str(p) for p in loc)}: {message}" if loc else message
        problems.append(Problem(doc.path, doc.line_of(base + loc), text))
    return problems


_TAGS: set[str] = set()


def register_tags(tags: set[str]) -> None:
    """Tell the error formatter which location parts are union tags, not keys."""
    _TAGS.update(tags)


_VI = {
    "missing": "thiếu trường bắt buộc này",
    "extra_forbidden": "trường không được phép (gõ sai tên trường?)",
    "string_type": "phải là một chuỗi chữ",
    "int_parsing": "phải là một số nguyên",
    "int_type": "phải là một số nguyên",
    "float_parsing": "phải là một số",
    "float_type": "phải là một số",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng (khoá: giá trị)",
    "union_tag_invalid": "loại không hợp lệ",
    "union_tag_not_found": "thiếu trường 'type' (loại câu hỏi)",
    "literal_error": "giá trị không hợp lệ",
    "string_pattern_mismatch": "sai định dạng",
    "greater_than": "phải lớn hơn",
    "greater_than_equal": "phải lớn hơn hoặc bằng",
    "too_short": "quá ít phần tử",
}


def _vi_message(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "value_error":
        # Our own validators raise ValueError with a Vietnamese message.
        return str(err.get("ctx", {}).get("error", err["msg"]))
    base = _VI.get(kind)
    if base is None:
        return err["msg"]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"{base}; chọn một trong: {ctx.get('expected', '')}"
    if kind == "union_tag_invalid":
        return f"{base} '{ctx.get('tag', '')}'; chọn một trong: {ctx.get('expected_tags', '')}"
    if kind == "string_pattern_mismatch":
        return f"{base} (mẫu {ctx.get('pattern', '')})"
    if kind in ("greater_than", "greater_than_equal"):
        return f"{base} {ctx.get('gt', ctx.get('ge', ''))}"
    return base
