"""Abre cada presentación construida en Chromium sin pantalla y revisa que funcione sin internet.

    make slides && python scripts/revisar_presentaciones.py      # salidas/presentaciones/*.html
    python scripts/revisar_presentaciones.py --capturas salidas/capturas otra/carpeta/*.html

Para cada HTML revisa: ningún error en la consola (``console.error``, excepciones, recursos que no cargan), ninguna
petición fuera del archivo (todo va dentro del HTML), que la primera diapositiva se vea (tamaño, texto, imágenes
cargadas) y guarda una captura PNG de ella. Habla con Chromium por el protocolo DevTools sobre una tubería
(``--remote-debugging-pipe``), con la biblioteca estándar de Python: no hace falta ningún paquete extra.
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHROMIUM_FLAGS", "DeckCheck", "find_chromium", "check_decks"]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-pipe", "--hide-scrollbars", "--mute-audio"]
_WIDTH, _HEIGHT = 1280, 720
# Lo que la página devuelve sobre su primera diapositiva (plantilla «bespoke» de Marp: svg > foreignObject > section).
_FIRST_SLIDE = """(() => {
  const secciones = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')];
  const primera = secciones[0];
  const caja = primera ? primera.getBoundingClientRect() : {width: 0, height: 0};
  const imagenes = [...document.images];
  return JSON.stringify({slides: secciones.length, width: caja.width, height: caja.height,
    text: primera ? primera.innerText.trim().slice(0, 200) : '',
    images: imagenes.length, broken: imagenes.filter(i => !i.complete || i.naturalWidth === 0).length});
})()"""


@dataclass
class DeckCheck:
    """Resultado de revisar una presentación: errores de consola, peticiones externas y la primera diapositiva."""

    path: Path
    screenshot: Path
    errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    first_slide: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Sin errores, sin peticiones externas y con una primera diapositiva visible con texto."""
        s = self.first_slide
        return (not self.errors and not self.external_requests and s.get("slides", 0) > 0 and s.get("width", 0) > 0
                and s.get("height", 0) > 0 and bool(s.get("text")) and s.get("broken", 1) == 0)


def find_chromium() -> str | None:
    """La ruta de Chromium (paquete ``chromium`` de Debian) o de Chrome, o ``None`` si no hay ninguno."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


class _Browser:
    """Chromium sin pantalla controlado por el protocolo DevTools sobre las tuberías 3 (órdenes) y 4 (respuestas)."""

    def __init__(self, executable: str, timeout: float) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="latamlab-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Copias altas de los extremos de Chromium, para pasarlas a los descriptores 3 y 4 sin pisar otros.
        child_in, child_out = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w))
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def _setup_pipes() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(3, 4), preexec_fn=_setup_pipes)
        os.close(child_in)
        os.close(child_out)
        self._write, self._read = to_chrome_w, from_chrome_r
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Envía una orden y espera su respuesta (los eventos que llegan mientras tanto quedan en ``events``)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"Chromium rechazó {method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> dict:
        """Espera un evento de la página (p. ej. ``Page.loadEventFired``)."""
        deadline = time.monotonic() + self.timeout
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError(f"Chromium no respondió en {self.timeout:.0f} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                stderr = self._process.stderr.read().decode(errors="replace")[-500:] if self._process.stderr else ""
                raise RuntimeError(f"Chromium terminó sin responder: {stderr.strip()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._write, self._read):
            os.close(fd)
        if self._process.stderr:
            self._process.stderr.close()
        self._profile.cleanup()


def _problems(events: list[dict], session: str) -> tuple[list[str], list[str]]:
    """Errores de consola y peticiones externas entre los eventos de una página."""
    errors, external = [], []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console." + params["type"] + ": " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append("excepción: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"registro: {params['entry'].get('text', '')} {params['entry'].get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:", "blob:")):
                external.append(url)
    return errors, external


def check_decks(html_files: list[Path], screenshots_dir: Path, chromium: str, timeout: float = 30.0,
                settle_s: float = 0.5) -> list[DeckCheck]:
    """Abre cada HTML en una pestaña nueva de un solo Chromium y devuelve lo revisado; guarda una captura por HTML.

    Args:
        html_files: presentaciones construidas (``make slides``).
        screenshots_dir: carpeta de las capturas PNG de la primera diapositiva (se crea si no existe).
        chromium: ruta del ejecutable (ver :func:`find_chromium`).
        timeout: segundos máximos que se espera cada respuesta de Chromium.
        settle_s: segundos que se espera tras el evento ``load`` para que corran los scripts de la página.

    Returns:
        Un :class:`DeckCheck` por archivo, en el mismo orden.
    """
    screenshots_dir.mkdir(parents=True, exist_ok=True)
    browser = _Browser(chromium, timeout)
    results = []
    try:
        for html in html_files:
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.send(f"{domain}.enable", session=session)
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": _WIDTH, "height": _HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)
            browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session)
            browser.wait_event("Page.loadEventFired", session)
            time.sleep(settle_s)
            value = browser.send("Runtime.evaluate", {"expression": _FIRST_SLIDE, "returnByValue": True}, session)
            first_slide = json.loads(value.get("result", {}).get("value") or "{}")
            png = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"])
            shot = screenshots_dir / f"{html.stem}.png"
            shot.write_bytes(png)
            errors, external = _problems(browser.events, session)
            results.append(DeckCheck(html, shot, errors, external, first_slide))
            browser.send("Target.closeTarget", {"targetId": target})
    finally:
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("html", nargs="*", type=Path, help="archivos HTML (por omisión salidas/presentaciones/*.html)")
    parser.add_argument("--capturas", type=Path, default=root / "salidas" / "capturas", help="carpeta de las capturas")
    args = parser.parse_args()
    files = args.html or sorted((root / "salidas" / "presentaciones").glob("*.html"))
    chromium = find_chromium()
    if chromium is None:
        sys.exit("No encontré Chromium: instálalo con «apt-get install chromium» (Debian/Ubuntu).")
    if not files:
        sys.exit("No hay presentaciones construidas: ejecuta «make slides» primero.")
    results = check_decks(files, args.capturas, chromium)
    for r in results:
        print(f"[{'OK' if r.ok else 'FALLA'}] {r.path.name}: {r.first_slide.get('slides', 0)} diapositivas, "
              f"captura {r.screenshot}")
        for problem in r.errors + [f"petición externa: {u}" for u in r.external_requests]:
            print(f"    {problem}")
    sys.exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
