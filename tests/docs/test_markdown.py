"""What the docs tests take from a markdown file: commands, exit codes, skips, snippets."""

from __future__ import annotations

import pytest

from tests.docs.markdown import parse_text

DOC = """\
Run `tickettailor orders list --limit 2` or <!-- docs-test: skip not here -->`tickettailor x`.

```sh
# a comment line
tickettailor sandbox --seed 2 \\
    --orders 5 &      # in the background
B=http://127.0.0.1:8765
curl "$B/#not-a-comment"
```

```console
$ tickettailor orders list --created-gte "last week"
Error: ...
$ echo $?
2
$ tickettailor overview
Teatro Breve
```

<!-- docs-test: skip needs a real account -->
```python
print("hi")
```
"""


def test_commands_exit_codes_skips_and_snippets_are_read() -> None:
    doc = parse_text("x.md", DOC)
    found = [(c.line, c.text, c.skip, c.expect, c.inline, c.assignments) for c in doc.commands]
    assert found == [
        (1, "tickettailor orders list --limit 2", None, 0, True, []),
        (1, "tickettailor x", "not here", 0, True, []),
        (5, "tickettailor sandbox --seed 2 --orders 5 &", None, 0, False, []),
        (8, 'curl "$B/#not-a-comment"', None, 0, False, ["B=http://127.0.0.1:8765"]),
        (12, 'tickettailor orders list --created-gte "last week"', None, 2, False,
         ["B=http://127.0.0.1:8765"]),
        (16, "tickettailor overview", None, 0, False, ["B=http://127.0.0.1:8765"]),
    ]  # fmt: skip
    assert [(s.line, s.code, s.skip) for s in doc.snippets] == [
        (21, 'print("hi")', "needs a real account")
    ]


def test_a_marker_that_precedes_no_block_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"x\.md:2: a docs-test marker must precede a fence"):
        parse_text("x.md", "<!-- docs-test: skip why -->\nSome text.\n")
