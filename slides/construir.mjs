// Construye cada presentación `NN_*.md` de esta carpeta a un HTML autocontenido (lo llama `make slides`).
//   node construir.mjs [carpeta de salida] [carpeta de las presentaciones]
//   (por omisión ../salidas/presentaciones y esta carpeta; las figuras se buscan siempre en slides/figuras/)
// Después revisa que ningún HTML nombre una dirección de internet: la construcción falla si alguno lo hace.
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { marpCli } from '@marp-team/marp-cli'
import { traducirControles } from './controles.mjs'

const carpeta = dirname(fileURLToPath(import.meta.url))
const salida = resolve(process.argv[2] || join(carpeta, '..', 'salidas', 'presentaciones'))
// Los espacios de nombres de XML (xmlns) son identificadores, no descargas.
const PERMITIDAS = /^https?:\/\/www\.w3\.org\/(2000\/svg|1999\/xhtml|1999\/xlink|1998\/Math\/MathML)$/
// Comentario de licencia del JavaScript de Marp: apunta a unpkg; lo cambiamos por el archivo del paquete npm.
const LICENCIA = /License: https:\/\/unpkg\.com\/(@marp-team\/marp-cli)@([\d.]+)\/(lib\/[\w.]+)/g

export function direccionesExternas(html) {
  return [...html.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'()<>]*/gi)]
    .map((m) => m[0])
    .filter((url) => !PERMITIDAS.test(url))
}

const entrada = resolve(process.argv[3] || carpeta)
const presentaciones = readdirSync(entrada).filter((f) => /^\d\d_.*\.md$/.test(f)).sort()
mkdirSync(salida, { recursive: true })
let fallas = 0
for (const md of presentaciones) {
  const html = join(salida, md.replace(/\.md$/, '.html'))
  let codigo
  try {
    codigo = await marpCli(['--config-file', join(carpeta, 'marp.config.mjs'), '--no-stdin', join(entrada, md), '-o', html])
  } catch (error) {
    console.error(`[FALLA] ${md}: ${error.message}`)
    codigo = 1
  }
  if (codigo !== 0) { fallas += 1; continue }
  const { html: texto, faltan } = traducirControles(
    readFileSync(html, 'utf8').replace(LICENCIA, 'License: $3 in the npm package $1@$2'))
  writeFileSync(html, texto)
  if (faltan.length) {
    console.error(`[FALLA] ${html}: esta versión de Marp cambió sus controles; actualiza CONTROLES en controles.mjs: `
      + faltan.join(' · '))
    fallas += 1
    continue
  }
  const externas = direccionesExternas(texto)
  if (externas.length) {
    console.error(`[FALLA] ${html} nombra direcciones de internet: ${[...new Set(externas)].join(', ')}`)
    fallas += 1
  }
}
console.log(`${presentaciones.length - fallas} de ${presentaciones.length} presentaciones construidas en ${salida}`)
process.exit(fallas ? 1 : 0)
