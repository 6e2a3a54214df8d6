/* Downloads: start a fresh booklet's PDF at once; follow a print run's PDF while the server
   generates it (progress from the bytes received against the expected size); show that a long
   form is being processed. */
(function () {
  'use strict';
  /** A size in French: "850 ko", "12,4 Mo" (never "0,0 Mo"). */
  function size(bytes) {
    if (bytes < 1e6) return Math.max(1, Math.round(bytes / 1e3)) + ' ko';
    return (bytes / 1e6).toFixed(1).replace('.', ',') + ' Mo';
  }

  var auto = document.querySelector('[data-auto-download]');
  if (auto) auto.click();

  document.querySelectorAll('form[data-busy]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var button = form.querySelector('button[type=submit]');
      if (button) {
        button.disabled = true;
        button.textContent = form.getAttribute('data-busy');
      }
    });
  });

  document.querySelectorAll('a[data-progress]').forEach(function (link) {
    link.addEventListener('click', function (e) {
      if (!window.ReadableStream || !window.fetch) return; // plain download
      e.preventDefault();
      var box = document.getElementById(link.getAttribute('data-progress'));
      var bar = box.querySelector('progress');
      var status = box.querySelector('[role=status]');
      var expected = Number(link.getAttribute('data-estimated-bytes')) || 1;
      box.hidden = false;
      link.setAttribute('aria-disabled', 'true');
      fetch(link.href, { credentials: 'same-origin' })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          var name =
            (/filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '') || [])[1] ||
            'lot.pdf';
          var reader = res.body.getReader();
          var chunks = [];
          var received = 0;
          function pump() {
            return reader.read().then(function (r) {
              if (r.done) return;
              chunks.push(r.value);
              received += r.value.length;
              var pct = Math.min(99, Math.round((received / expected) * 100));
              bar.value = pct;
              status.textContent = pct + ' % — ' + size(received) + ' reçus';
              return pump();
            });
          }
          return pump().then(function () {
            bar.value = 100;
            status.textContent = 'PDF prêt (' + size(received) + ').';
            var url = URL.createObjectURL(new Blob(chunks, { type: 'application/pdf' }));
            var a = document.createElement('a');
            a.href = url;
            a.download = name;
            document.body.appendChild(a);
            a.click();
            a.remove();
            setTimeout(function () {
              URL.revokeObjectURL(url);
            }, 60000);
            link.removeAttribute('aria-disabled');
          });
        })
        .catch(function (err) {
          status.textContent = 'Le téléchargement a échoué (' + err.message + ') : réessayez.';
          link.removeAttribute('aria-disabled');
        });
    });
  });
})();
