/** What the page shows without a token, or with a wrong one: how to get a URL that works. */
export function LoginView () {
  return (
    <main id="main" class="login">
      <h1>artdag</h1>
      <section class="card" aria-labelledby="login-title">
        <h2 id="login-title">This dashboard needs its token</h2>
        <p>On the machine that runs the daemon, run</p>
        <pre><code>artdag ui</code></pre>
        <p>and open the URL it prints (<code>http://127.0.0.1:…/#token=…</code>). The page keeps the token for this tab only and takes it out of the address bar.</p>
        <p class="muted">With another home: <code>artdag ui --home DIR</code>. The token lives in <code>&lt;home&gt;/ui.token</code>; delete it and restart the daemon to make a new one.</p>
      </section>
    </main>
  )
}
