"""En un cuaderno, un `LatamlabError` se ve como su línea en español; `%tb` trae el traceback; lo demás, igual."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")


@pytest.fixture
def shell(monkeypatch):
    """Un IPython en este proceso, con el manejador de `show_errors_in_one_line` instalado."""
    from IPython.core.interactiveshell import InteractiveShell

    from latamlab.runtime.notebook import show_errors_in_one_line

    ip = InteractiveShell.instance()
    monkeypatch.setattr("IPython.get_ipython", lambda: ip)
    assert show_errors_in_one_line()
    yield ip
    ip.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_a_latamlab_error_is_one_spanish_line_and_tb_brings_the_traceback(shell, capsys):
    from latamlab.runtime.notebook import TRACEBACK_HINT

    result = shell.run_cell("from latamlab.quant.formats import check_precision\ncheck_precision('nf5')")
    out = capsys.readouterr().out
    assert not result.success  # la celda sigue contando como fallida (nbval la ve)
    assert out.splitlines() == ["error: `precision` debe ser una de nf4, fp4, int8, bf16, fp16, fp32; recibí 'nf5'. "
                                "¿Quisiste decir `nf4`?", TRACEBACK_HINT]
    shell.run_cell("%tb")
    assert "check_precision" in capsys.readouterr().out  # el traceback completo, a una celda de distancia


def test_other_exceptions_keep_their_traceback(shell, capsys):
    shell.run_cell("1 / 0")
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "error: " not in out


def test_outside_ipython_nothing_is_installed(monkeypatch):
    from latamlab.runtime.notebook import show_errors_in_one_line

    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    assert show_errors_in_one_line() is False
