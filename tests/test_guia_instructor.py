"""Las agendas de docs/guia_instructor.md suman lo que dicen y dan a cada cuaderno su tiempo estimado."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "guia_instructor.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| (\d\d):(\d\d) \| (.+?) \| (.+?) \| (\d+) \|$", re.MULTILINE)


def _agenda(title: str) -> str:
    start = GUIDE.index(f"### {title}")
    end = GUIDE.find("\n### ", start + 1)
    end = GUIDE.find("\n## ", start) if end == -1 else end
    return GUIDE[start:end]


def _days(section: str) -> list[list[tuple[int, str, str, int]]]:
    """Las tablas de una agenda: una lista de filas (inicio en minutos, bloque, material, minutos) por día."""
    days = []
    for table in re.split(r"\n\*\*(?:Día|Total)[^\n]*\n", section):
        rows = [(int(h) * 60 + int(m), block, material, int(minutes))
                for h, m, block, material, minutes in ROW.findall(table)]
        if rows:
            days.append(rows)
    return days


def _estimates() -> dict[str, int]:
    """Minutos del «Tiempo estimado» de cada cuaderno que existe."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if path.stem.endswith("_soluciones"):
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "".join("".join(c["source"]) for c in cells[:3] if c["cell_type"] == "markdown")
        if match := re.search(r"Tiempo estimado:\*\*\s*(\d+) minutos", text):
            found[path.name[:2]] = int(match.group(1))
    return found


def _check_agenda(title: str, day_totals: list[int], total: int) -> dict[str, int]:
    section = _agenda(title)
    days = _days(section)
    assert [sum(r[3] for r in day) for day in days] == day_totals, title
    assert f"**Total: {total} minutos" in section, f"{title}: el total escrito no es {total}"
    per_notebook: dict[str, int] = {}
    for day in days:
        for (start, block, _, minutes), (next_start, *_rest) in zip(day, day[1:]):
            assert start + minutes == next_start, f"{title}: «{block}» no termina cuando empieza el siguiente"
        for _, _, material, minutes in day:
            for number in re.findall(r"cuaderno (\d\d)(?! \(recortado\))", material):
                per_notebook[number] = per_notebook.get(number, 0) + minutes
    return per_notebook


def test_one_day_agenda_adds_up_and_full_notebooks_get_their_time():
    per_notebook = _check_agenda("Agenda de un día", [420], 420)
    for number, minutes in per_notebook.items():
        assert minutes >= _estimates().get(number, 0), f"cuaderno {number}: {minutes} min < su tiempo estimado"


def test_two_day_agenda_adds_up_and_covers_every_notebook_in_full():
    per_notebook = _check_agenda("Agenda de dos días", [420, 420], 840)
    assert sorted(per_notebook) == [f"{n:02d}" for n in range(9)], "la agenda de dos días debe usar los 9 cuadernos"
    estimates = _estimates()
    assert estimates, "no encontré el «Tiempo estimado» de ningún cuaderno"
    for number, estimate in estimates.items():
        assert per_notebook[number] >= estimate, f"cuaderno {number}: {per_notebook[number]} min < {estimate} estimados"


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_guide_quotes_the_package_error_messages_exactly(monkeypatch, tmp_path):
    import pytest
    import torch

    from latamlab.errors import ConfigError
    from latamlab.runtime import device as runtime_device
    from latamlab.train import hardware
    from latamlab.train.checkpoints import latest_complete_checkpoint
    from latamlab.train.config import TrainConfig

    guide = _flat(GUIDE)
    # Una T4 de mentira (capacidad 7.5, sin bf16): los mensajes salen de las funciones reales.
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    monkeypatch.setattr(runtime_device, "native_bf16", lambda device: False)
    monkeypatch.setattr(hardware, "native_bf16", lambda device: False)
    messages = []
    for config, dev in ((TrainConfig(compute_dtype="bf16"), "cuda"), (TrainConfig(compute_dtype="fp16"), "cpu")):
        with pytest.raises(ConfigError) as err:
            hardware.mixed_dtype(config, torch.device(dev))
        messages.append(str(err.value))
    with pytest.raises(ConfigError) as err:
        latest_complete_checkpoint(tmp_path)
    messages.append(str(err.value).replace(str(tmp_path), "…"))
    monkeypatch.setattr(runtime_device, "cuda_available", lambda: False)
    with pytest.raises(ConfigError) as err:
        runtime_device.device_for_mode("gpu")
    messages.append(str(err.value))
    for message in messages:
        assert _flat(message) in guide, f"la guía no cita tal cual: «{message}»"
