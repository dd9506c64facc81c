import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

/** `artdag ui`: the dashboard's URL with its token in the fragment (never sent to a server, as Jupyter's). */
export default defineCommand({
  name: 'ui',
  summary: 'print the URL of the web dashboard (with the token that opens it)',
  group: 'Node',
  order: 4,
  async run (_input, ctx) {
    const info = await (await ctx.client()).ui({ signal: ctx.signal })
    const url = `${info.url}#token=${info.token}`
    return value({ ...info, loginUrl: url }, url)
  }
})
