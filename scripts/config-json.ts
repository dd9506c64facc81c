import { readFile, writeFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { DEFAULT_CONFIG_FILE, DEFAULT_CONFIG_JSON } from '../src/config/load.ts'

/*
 * Writes config/default.json, the shipped defaults as the loader reads them (JSON.parse: a
 * command that loads the configuration does not parse the commented YAML), from
 * config/default.yaml, the file people read. test/unit/config/defaults.test.ts checks that
 * both hold the same values. Run after editing config/default.yaml:
 *
 *   node scripts/config-json.ts
 */
const tree = parse(await readFile(DEFAULT_CONFIG_FILE, 'utf8')) as unknown
await writeFile(DEFAULT_CONFIG_JSON, `${JSON.stringify(tree, null, 2)}\n`)
console.log(`wrote ${DEFAULT_CONFIG_JSON}`)
