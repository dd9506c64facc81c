import { mkdtemp, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'

/**
 * Debian's Chromium driven by playwright-core (npm cannot download browsers
 * here; .ci/run installs `chromium` with apt), in a fresh profile each time.
 */

export const CHROMIUM = process.env.ARTDAG_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url))

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required']

export interface Browser {
  context: BrowserContext
  close: () => Promise<void>
}

export async function launchBrowser (): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'artdag-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 }
  })
  return {
    context,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/** Writes test-results/screenshots/<name>.png for a reviewer. */
export async function screenshot (page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
