"""Esquemas de los conjuntos de datos del curso: campos, tipos y vocabularios en un solo lugar.

Cada archivo ``.jsonl`` de ``data/`` tiene un :class:`Schema`; ``latamlab.data`` lo usa para
cargar y ``latamlab.validate`` para revisar. Se presenta en el capítulo de datos.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from latamlab.errors import ConfigError

__all__ = [
    "PAISES", "TEMAS_FINANZAS", "DIFICULTADES", "CATEGORIAS_VARIANTES", "REGISTROS_CORPUS",
    "Field", "Schema", "FINANZAS", "REFERENCIA", "VARIANTES", "CORPUS", "PARALELO",
    "ORIGINARIAS", "FILES", "check_record", "dedup_text",
    "TEMAS_CONSUMO", "CONSUMO", "CHAT",
]

#: Códigos ISO 3166-1 alfa-2 permitidos en ``pais``, con su nombre en español.
PAISES: dict[str, str] = {
    "AR": "Argentina", "BO": "Bolivia", "CL": "Chile", "CO": "Colombia", "CR": "Costa Rica",
    "CU": "Cuba", "DO": "República Dominicana", "EC": "Ecuador", "SV": "El Salvador",
    "GT": "Guatemala", "HN": "Honduras", "MX": "México", "NI": "Nicaragua", "PA": "Panamá",
    "PY": "Paraguay", "PE": "Perú", "PR": "Puerto Rico", "UY": "Uruguay", "VE": "Venezuela",
    "ES": "España", "GQ": "Guinea Ecuatorial", "US": "Estados Unidos", "BR": "Brasil",
}
TEMAS_FINANZAS = ("presupuesto", "ahorro", "credito", "inflacion", "tipo_de_cambio", "pensiones",
                  "impuestos", "banca_fintech", "estafas")
DIFICULTADES = ("basica", "intermedia", "avanzada")
CATEGORIAS_VARIANTES = ("lexico", "gramatica", "expresiones", "prestamos")
REGISTROS_CORPUS = ("noticias", "finanzas", "conversacional", "academico")
TEMAS_CONSUMO = ("garantias", "retracto_y_devoluciones", "clausulas_abusivas", "cobros_y_facturacion",
                 "telecomunicaciones", "servicios_publicos", "compras_en_linea", "donde_reclamar")

#: Un problema de un registro: (qué está mal, cómo arreglarlo).
Issue = tuple[str, str]


@dataclass(frozen=True)
class Field:
    """Un campo de un esquema.

    Args:
        kind: tipo de Python del valor: ``str``, ``int``, ``bool`` o ``list`` (lista de cadenas).
        choices: valores permitidos (para ``list``, los de cada elemento); ``None`` si es libre.
        pattern: expresión regular que debe cumplir una cadena completa.
        length: largo exacto de una lista, o ``None`` si no se exige un largo.
        allow_empty: si una lista puede estar vacía (sus elementos nunca pueden ser textos vacíos).
        doc: qué significa el campo (se copia en la ficha del conjunto de datos).
    """

    kind: type
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    length: int | None = None
    allow_empty: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if self.kind not in (str, int, bool, list):
            raise ConfigError(f"`kind` debe ser str, int, bool o list; recibí {self.kind!r}. Ejemplo: Field(str).")


@dataclass(frozen=True)
class Schema:
    """El esquema de un archivo: sus campos exactos y reglas que cruzan campos.

    Args:
        name: nombre corto del esquema (``"finanzas"``, ``"variantes"``...).
        fields: campo → :class:`Field`, en el orden en que se escriben.
        rules: funciones que reciben un registro ya tipado y devuelven problemas ``(qué, arreglo)``.
        dedup_fields: campos cuyo texto se compara para buscar duplicados y fugas.
        dedup_key: si se da, función que arma ese texto a partir del registro (en lugar de
            ``dedup_fields``).
        dedup_block: campo que debe coincidir para contar un duplicado dentro de un archivo
            (por ejemplo ``pais``: la misma plantilla en dos países no es un duplicado, pero
            sí una fuga si cae en divisiones distintas); ``None`` para comparar todo.
        extra_allowed: si un registro puede traer campos fuera de `fields` (los datos de chat propios).
    """

    name: str
    fields: Mapping[str, Field]
    rules: tuple[Callable[[dict[str, Any]], list[Issue]], ...] = field(default=())
    dedup_fields: tuple[str, ...] = ()
    dedup_key: Callable[[Mapping[str, Any]], str] | None = None
    dedup_block: str | None = None
    extra_allowed: bool = False


def _show(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _check_value(name: str, spec: Field, value: Any) -> Issue | None:
    if spec.kind is int and (type(value) is not int):
        return (f"`{name}` debe ser un entero; recibí {type(value).__name__} {value!r}",
                f"escribe `{name}` como número sin comillas")
    if spec.kind is bool and type(value) is not bool:
        return (f"`{name}` debe ser true o false; recibí {type(value).__name__} {value!r}",
                f"escribe `{name}` como true o false, sin comillas")
    if spec.kind is str and not isinstance(value, str):
        return (f"`{name}` debe ser texto; recibí {type(value).__name__} {value!r}",
                f"escribe `{name}` entre comillas")
    if spec.kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return (f"`{name}` debe ser una lista de textos; recibí {value!r}",
                    f"escribe `{name}` como [\"...\", \"...\"]")
        if spec.length is not None and len(value) != spec.length:
            return (f"`{name}` debe tener exactamente {spec.length} elementos; recibí {len(value)}",
                    f"deja {spec.length} elementos en `{name}`")
        if (not value and not spec.allow_empty) or any(not v.strip() for v in value):
            return (f"`{name}` no puede estar vacía ni tener textos vacíos; recibí {value!r}",
                    f"completa `{name}`")
    if isinstance(value, str) and not value.strip():
        return (f"`{name}` está vacío", f"escribe un valor para `{name}`")
    values = value if isinstance(value, list) else [value]
    for item in values:
        if spec.choices is not None and item not in spec.choices:
            return (f"`{name}` debe ser uno de {_show(spec.choices)}; recibí {item!r}",
                    f"usa un valor permitido en `{name}`")
        if spec.pattern is not None and not re.fullmatch(spec.pattern, str(item)):
            return (f"`{name}` no tiene la forma esperada ({spec.doc}); recibí {item!r}",
                    f"corrige `{name}`; debe cumplir la expresión regular {spec.pattern}")
    return None


def check_record(schema: Schema, data: Mapping[str, Any]) -> list[Issue]:
    """Revisa un registro contra su esquema: claves exactas, tipos, vocabularios y reglas.

    Args:
        schema: el esquema del archivo.
        data: el objeto JSON leído de una línea.

    Returns:
        Los problemas encontrados como pares ``(qué está mal, cómo arreglarlo)``; vacía si está bien.
    """
    expected = list(schema.fields)
    missing = [k for k in expected if k not in data]
    extra = [] if schema.extra_allowed else [k for k in data if k not in schema.fields]
    issues: list[Issue] = []
    if missing:
        issues.append((f"falta el campo {', '.join(f'`{k}`' for k in missing)}",
                       f"agrega {', '.join(missing)}; los campos de {schema.name} son {_show(tuple(expected))}"))
    if extra:
        issues.append((f"campo no permitido {', '.join(f'`{k}`' for k in extra)}",
                       f"quítalo; los campos de {schema.name} son {_show(tuple(expected))}"))
    for name, spec in schema.fields.items():
        if name in data:
            issue = _check_value(name, spec, data[name])
            if issue is not None:
                issues.append(issue)
    if not issues:
        for rule in schema.rules:
            issues.extend(rule(dict(data)))
    return issues


def dedup_text(schema: Schema, data: Mapping[str, Any]) -> str:
    """Arma el texto que se compara para buscar duplicados: ``dedup_key`` o los ``dedup_fields``.

    Args:
        schema: esquema del archivo.
        data: un registro que ya cumple el esquema.

    Returns:
        El texto que ``latamlab.dedup`` compara.
    """
    if schema.dedup_key is not None:
        return schema.dedup_key(data)
    parts = []
    for name in schema.dedup_fields:
        value = data[name]
        parts.extend(sorted(value) if isinstance(value, list) else [str(value)])
    return " | ".join(parts)


def _variant_rules(item: dict[str, Any]) -> list[Issue]:
    from latamlab.data.dedup import normalize  # import tardío: dedup no depende de schemas
    from latamlab.data.giveaways import giveaway_issues

    issues: list[Issue] = []
    options = item["opciones"]
    if len({normalize(o, keep_accents=True) for o in options}) != len(options):
        issues.append((f"`opciones` repite una opción: {options!r}", "escribe 4 opciones distintas"))
    if not 0 <= item["respuesta"] < len(options):
        issues.append((f"`respuesta` debe estar entre 0 y {len(options) - 1}; recibí {item['respuesta']}",
                       "usa el índice (desde 0) de la opción correcta"))
    elif (wrong := {normalize(o, keep_accents=True) for i, o in enumerate(options) if i != item["respuesta"]}
          & {normalize(a, keep_accents=True) for a in item["respuestas_aceptadas"]}):
        issues.append((f"`respuestas_aceptadas` incluye una opción incorrecta: {sorted(wrong)!r}",
                       "deja en `respuestas_aceptadas` solo formas de la respuesta correcta"))
    if 0 <= item["respuesta"] < len(options):
        issues.extend(giveaway_issues(item))
    prefix = f"var-{item['pais'].lower()}-"
    if not item["id"].startswith(prefix):
        issues.append((f"`id` {item['id']!r} no coincide con `pais` {item['pais']!r}",
                       f"usa un id que empiece con {prefix!r}"))
    return issues


def _variant_key(item: Mapping[str, Any]) -> str:
    """Pregunta + respuesta correcta: «¿Qué es un «pibe»?» y «¿Qué es un «pucho»?» no son duplicados."""
    return f"{item['pregunta']} | {item['opciones'][item['respuesta']]}"


_PAIS = Field(str, tuple(PAISES), doc="país, código ISO 3166-1 alfa-2")
#: Año en que valen los hechos del registro (metadatos en inglés, como los identificadores del paquete).
_VALID_AS_OF = Field(str, pattern=r"20\d\d", doc="año AAAA en que valen los hechos")
#: Si el registro trata una norma que está cambiando (reforma en curso, control cambiario...).
_RULE_IN_FLUX = Field(bool, doc="true si la norma está cambiando")

FINANZAS = Schema("finanzas", {
    "id": Field(str, pattern=r"fin-\d{4}", doc="identificador fin-NNNN"),
    "pais": _PAIS,
    "tema": Field(str, TEMAS_FINANZAS, doc="tema financiero"),
    "dificultad": Field(str, DIFICULTADES, doc="nivel de la pregunta"),
    "instruccion": Field(str, doc="lo que pide la persona usuaria"),
    "respuesta": Field(str, doc="respuesta de referencia para el ajuste fino"),
    "valid_as_of": _VALID_AS_OF,
    "rule_in_flux": _RULE_IN_FLUX,
}, dedup_fields=("instruccion",), dedup_block="pais")

REFERENCIA = Schema("referencia de finanzas", {
    "id": Field(str, doc="identificador único"),
    "pais": _PAIS,
    "tema": Field(str, TEMAS_FINANZAS, doc="tema financiero"),
    "pregunta": Field(str, doc="pregunta de evaluación"),
    "respuesta": Field(str, doc="respuesta corta de oro"),
    "alternativas": Field(list, allow_empty=True, doc="otras formas aceptadas de la respuesta"),
    "fuente": Field(str, doc="de dónde sale el dato"),
    "valid_as_of": _VALID_AS_OF,
    "rule_in_flux": _RULE_IN_FLUX,
    "seen_in_train": Field(bool, doc="true si la respuesta aparece en una respuesta de train del mismo país"),
}, dedup_fields=("pregunta",), dedup_block="pais")

VARIANTES = Schema("variantes", {
    "id": Field(str, pattern=r"var-[a-z]{2}-\d{3}", doc="identificador var-xx-NNN (xx = país)"),
    "pais": _PAIS,
    "categoria": Field(str, CATEGORIAS_VARIANTES, doc="tipo de variación"),
    "pregunta": Field(str, doc="enunciado de opción múltiple"),
    "opciones": Field(list, length=4, doc="exactamente 4 opciones distintas"),
    "respuesta": Field(int, doc="índice 0..3 de la opción correcta"),
    "respuestas_aceptadas": Field(list, doc="formas aceptadas en la tarea generativa"),
    "explicacion": Field(str, doc="por qué es la respuesta"),
    "fuente": Field(str, doc="de dónde sale el dato"),
}, rules=(_variant_rules,), dedup_key=_variant_key, dedup_block="pais")

CORPUS = Schema("corpus", {
    "id": Field(str, doc="identificador único"),
    "registro": Field(str, REGISTROS_CORPUS, doc="registro del texto"),
    "pais": _PAIS,
    "texto": Field(str, doc="una oración o párrafo corto"),
}, dedup_fields=("texto",))

PARALELO = Schema("corpus paralelo", {
    "id": Field(str, doc="identificador único"),
    "tema": Field(str, doc="tema de la oración"),
    "es": Field(str, doc="versión en español"),
    "pt": Field(str, doc="versión en portugués"),
    "en": Field(str, doc="versión en inglés"),
}, dedup_fields=("es",))

ORIGINARIAS = Schema("lenguas originarias", {
    "id": Field(str, doc="identificador único"),
    "lengua": Field(str, doc="nombre de la lengua en español"),
    "pais": Field(list, tuple(PAISES), doc="países donde se habla"),
    "texto": Field(str, doc="texto en la lengua originaria"),
    "glosa_es": Field(str, doc="traducción o glosa en español"),
    "fuente": Field(str, doc="de dónde sale el dato"),
}, dedup_fields=("texto",), dedup_block="lengua")

#: Derechos del consumidor: los mismos campos que finanzas (mismo orden), con otro `id` y otros temas.
CONSUMO = Schema("consumo", {
    **FINANZAS.fields,
    "id": Field(str, pattern=r"con-\d{4}", doc="identificador con-NNNN"),
    "tema": Field(str, TEMAS_CONSUMO, doc="tema de derechos del consumidor"),
}, dedup_fields=("instruccion",), dedup_block="pais")

#: Datos de chat de cualquier carpeta (``latamlab entrenar --dataset CARPETA``): los dos campos que forman la
#: conversación, con texto; los demás (``pais``, ``id``…) son libres. Lo revisan el entrenamiento y
#: ``latamlab datos validar``.
CHAT = Schema("chat", {
    "instruccion": Field(str, doc="lo que pide la persona usuaria (el turno del usuario)"),
    "respuesta": Field(str, doc="la respuesta que aprende el modelo (el turno del asistente)"),
}, dedup_fields=("instruccion",), extra_allowed=True)

#: Carpeta del conjunto → archivo → esquema. El orden de las divisiones es el de ``datasets``.
FILES: dict[str, dict[str, Schema]] = {
    "finanzas": {"train.jsonl": FINANZAS, "validation.jsonl": FINANZAS, "test.jsonl": FINANZAS,
                 "referencia.jsonl": REFERENCIA},
    "variantes": {"variantes.jsonl": VARIANTES},
    "corpus": {"train.jsonl": CORPUS, "test.jsonl": CORPUS, "paralelo.jsonl": PARALELO,
               "originarias.jsonl": ORIGINARIAS},
    "consumo": {"train.jsonl": CONSUMO, "validation.jsonl": CONSUMO, "test.jsonl": CONSUMO},
}
