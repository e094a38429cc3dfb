"""The local stack's log: every line a process prints starts with that process's prefix."""

import pytest
from terrain_dev.stack import Printer

pytestmark = pytest.mark.unit


def test_a_one_line_text_is_printed_after_the_prefix(capsys):
    Printer(colour=False).line("demo", "the demo is over")

    assert capsys.readouterr().out == "demo       | the demo is over\n"


def test_every_line_of_a_multi_line_text_starts_with_the_prefix(capsys):
    Printer(colour=False).line("demo", "[slack -> hugo] Exports fail\nsince Monday\r\nfor every account")

    assert capsys.readouterr().out.splitlines() == [
        "demo       | [slack -> hugo] Exports fail",
        "demo       | since Monday",
        "demo       | for every account",
    ]


def test_an_empty_text_still_prints_the_prefix(capsys):
    Printer(colour=False).line("stack", "")

    assert capsys.readouterr().out == "stack      | \n"


def test_on_a_terminal_each_line_gets_the_coloured_prefix(capsys):
    Printer(colour=True).line("notifier", "first\nsecond")

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("\033[") and "notifier   |\033[0m " in line for line in lines)
