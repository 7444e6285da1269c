"""The default text output as people meet it: grouped by file, the flow drawn, colors at a terminal."""

import os
import pty
import subprocess
import sys

from conftest import ROOT


def test_the_blocked_flow_is_drawn(tflint_sg):
    out = tflint_sg("fixtures/both_sides_blocked").stdout
    assert ("aws_lb.api -x-> aws_lb_target_group.api:8080 -x-> aws_instance.api "
            "(aws_security_group.alb allows only tcp/443 to 0.0.0.0/0;") in out


def test_findings_are_grouped_under_their_file(tflint_sg):
    out = tflint_sg("fixtures/story", "fixtures/expose_db_to_lb").stdout.splitlines()
    headers = [line for line in out if line in ("fixtures/story/main.tf", "fixtures/expose_db_to_lb/main.tf")]
    assert headers == ["fixtures/expose_db_to_lb/main.tf", "fixtures/story/main.tf"]


def _at_a_terminal(env):
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tflint_sg", "fixtures/story"], cwd=ROOT, stdout=terminal,
                               stderr=subprocess.DEVNULL, env=env)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode()


def test_colors_at_a_terminal_unless_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[31merror\033[0m" in _at_a_terminal(env)
    assert "\033[" not in _at_a_terminal({**env, "NO_COLOR": "1"})


def test_no_colors_in_a_pipe(tflint_sg):
    assert "\033[" not in tflint_sg("fixtures/story").stdout
