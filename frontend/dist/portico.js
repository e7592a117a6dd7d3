/* Placeholder page until the portal exists: shows whether the API is ready. */
fetch('/api/v1/system/ready', { headers: { Accept: 'application/json' } })
  .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
  .then(function (res) {
    var el = document.getElementById('status');
    el.className = 'status ' + (res.ok ? 'ok' : 'bad');
    el.textContent = res.ok ? 'Ready: schema at migration ' + res.body.schema.current + '.'
                            : 'Not ready: ' + (res.body.detail || res.body.title);
  })
  .catch(function () { document.getElementById('status').textContent = 'The API did not answer.'; });
