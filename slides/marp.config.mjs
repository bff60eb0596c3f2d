// Configuración de Marp para las presentaciones de latamlab (la usa construir.mjs; también sirve con `npx marp`).
// Todo queda dentro del HTML: imágenes como URI `data:`, emojis como texto (no imágenes de un CDN), fórmulas en SVG.
import { incrustarImagenes } from './incrustar_imagenes.mjs'

export default {
  html: true,
  allowLocalFiles: false,
  themeSet: ['./tema.css'],
  options: {
    emoji: { shortcode: true, unicode: false },
    math: 'mathjax',
  },
  engine: ({ marp }) => marp.use(incrustarImagenes),
}
