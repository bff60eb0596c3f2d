// Traducción al español de los controles que Marp escribe en inglés en cada HTML (la usa construir.mjs).
// Los controles de Marp vienen en inglés; cada par [inglés, español] debe aparecer en el HTML (si una versión
// nueva de Marp los cambia, la construcción falla en vez de dejar el inglés).
export const CONTROLES = [
  ['title="Previous slide">Previous slide<', 'title="Diapositiva anterior">Diapositiva anterior<'],
  ['title="Next slide">Next slide<', 'title="Diapositiva siguiente">Diapositiva siguiente<'],
  ['title="Toggle fullscreen (f)">Toggle fullscreen<', 'title="Pantalla completa (f)">Pantalla completa<'],
  ['title="Toggle overview view (o)">Toggle overview view<', 'title="Vista general (o)">Vista general<'],
  ['title="Open presenter view (p)">Open presenter view<',
    'title="Vista del presentador (p)">Vista del presentador<'],
  ['`Page ${t+1} of ${e.slides.length}`', '`Diapositiva ${t+1} de ${e.slides.length}`'],
  ['"Presenter view"', '"La vista del presentador"'],
  ['"Overview view"', '"La vista general"'],
  ['is disabled due to restricted localStorage.', 'no funciona: el navegador bloquea localStorage.'],
  ['document.title="[Overview]"', 'document.title="[Vista general]"'],
  ['document.title="[Presenter view]"', 'document.title="[Vista del presentador]"'],
  ['t.title="Close overview"', 't.title="Cerrar la vista general"'],
  ['"Smaller notes font size"', '"Notas más pequeñas"'],
  ['"Bigger notes font size"', '"Notas más grandes"'],
  ['title:"Previous"},"Previous"', 'title:"Anterior"},"Anterior"'],
  ['title:"Next"},"Next"', 'title:"Siguiente"},"Siguiente"'],
  ['title:"Current time"', 'title:"Hora"'],
  ['title:"Timer"', 'title:"Tiempo transcurrido"'],
]

/** Traduce los controles de Marp al español; devuelve el HTML y los textos en inglés que no encontró. */
export function traducirControles(html) {
  const faltan = CONTROLES.filter(([ingles]) => !html.includes(ingles)).map(([ingles]) => ingles)
  for (const [ingles, espanol] of CONTROLES) html = html.replaceAll(ingles, espanol)
  return { html, faltan }
}
