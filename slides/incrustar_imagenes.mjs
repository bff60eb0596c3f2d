// Plugin de markdown-it para Marp: cambia cada imagen local (`figuras/01_x.png`) por una URI `data:`, así el HTML
// no depende de ningún archivo ni de internet. Una dirección http(s) detiene la construcción. Si la figura falta:
// es un error cuando el cuaderno que la produce existe (vuelve a exportar con scripts/exportar_figuras.py); si el
// cuaderno todavía no existe (presentación preliminar), queda un recuadro «figura pendiente».
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const carpeta = dirname(fileURLToPath(import.meta.url))
const cuadernos = join(carpeta, '..', 'notebooks')
const tipos = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml' }

function cuadernoExiste(numero) {
  return existsSync(cuadernos) && readdirSync(cuadernos).some((f) => f.startsWith(`${numero}_`) && f.endsWith('.ipynb'))
}

function pendiente(nombre, numero) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="300"><rect width="800" height="300" ` +
    `fill="#f3f3f3" stroke="#999" stroke-dasharray="8"/><text x="400" y="140" font-size="22" text-anchor="middle" ` +
    `font-family="sans-serif" fill="#555">Figura pendiente: ${nombre}</text><text x="400" y="185" font-size="22" ` +
    `text-anchor="middle" font-family="sans-serif" fill="#777">llega con el cuaderno ${numero}</text></svg>`
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

export function aDataUri(src) {
  if (src.startsWith('data:')) return src
  if (/^[a-z]+:/i.test(src) || src.startsWith('//')) {
    throw new Error(`Imagen externa «${src}»: las presentaciones no usan internet; exporta la figura a slides/figuras/.`)
  }
  const ruta = resolve(carpeta, decodeURI(src))
  const tipo = tipos[extname(ruta).toLowerCase()]
  if (!tipo) throw new Error(`Imagen «${src}»: tipo no admitido; usa ${Object.keys(tipos).join(', ')}.`)
  if (existsSync(ruta)) return `data:${tipo};base64,${readFileSync(ruta).toString('base64')}`
  const numero = (ruta.split(/[\\/]/).pop().match(/^(\d\d)_/) || [])[1]
  if (numero && !cuadernoExiste(numero)) return pendiente(src.split('/').pop(), numero)
  throw new Error(`Falta la figura «${src}»: ejecuta «python scripts/exportar_figuras.py» (o revisa su nombre en slides/figuras/indice.json).`)
}

export function incrustarImagenes(md) {
  md.inline.ruler2.before('marpit_parse_image', 'latamlab_incrustar_imagenes', ({ tokens }) => {
    for (const token of tokens) {
      if (token.type === 'image') token.attrSet('src', aDataUri(token.attrGet('src')))
    }
  })
}
