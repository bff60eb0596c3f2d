"""Los comandos del README existen y funcionan: `make lab` sirve JupyterLab con los cuadernos."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Empieza aquí")
    end = text.index("\n## ", start + 5)
    return re.findall(r"```bash\n(.+?)\n```", text[start:end], flags=re.S)


def test_readme_shows_exactly_two_setup_commands():
    assert _readme_commands() == ["make lab", "make test"]


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "make install-test" in ci


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_with_the_notebooks():
    port = _free_port()
    proc = subprocess.Popen(["make", "lab", f"PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    try:
        token = None
        deadline = time.time() + 240
        while token is None and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", line)
            token = match.group(1) if match else None
        assert token, "make lab no imprimió la URL con el token:\n" + "".join(output[-30:])
        status = None
        while status is None and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=30) as resp:
                    status = resp.status
            except urllib.error.URLError:
                time.sleep(1)  # la URL se imprime un instante antes de aceptar conexiones
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=30) as resp:
            names = {item["name"] for item in json.load(resp)["content"]}
        assert "00_bienvenida_y_entorno.ipynb" in names and "01_precision_y_cuantizacion_4bit.ipynb" in names
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
