/* Scan page: camera decoding with zxing-wasm (served by the app), each cheque checked by the API
   at once, a basket, then one redemption for the workshop. The rules are the server's: this
   script only shows its answers (French sentences) and never decides whether a cheque is valid. */
(function () {
  'use strict';
  var root = document.getElementById('scan');
  if (!root) return;
  var csrf = root.getAttribute('data-csrf');
  var euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
  var plural = new Intl.PluralRules('fr-FR');
  /* "1 chèque", "2 chèques": French plural rules (0 and 1 singular) */
  var count = function (n, one, many) {
    return n + ' ' + (plural.select(n) === 'one' ? one : many);
  };
  var basket = []; // { code, faceValueCents, expiresOn }
  var pending = {}; // codes being checked
  var idempotencyKey = null;
  var $ = function (id) {
    return document.getElementById(id);
  };

  function say(el, text, kind) {
    el.textContent = text;
    el.className = kind ? 'notice ' + kind : 'muted';
  }

  function render() {
    var list = $('basket');
    list.textContent = '';
    var total = 0;
    basket.forEach(function (c, i) {
      total += c.faceValueCents;
      var li = document.createElement('li');
      var label = document.createElement('span');
      label.innerHTML = '<span class="code"></span> — ';
      label.firstChild.textContent = c.code;
      label.appendChild(document.createTextNode(euros.format(c.faceValueCents / 100)));
      var remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link';
      remove.textContent = 'Retirer';
      remove.setAttribute('aria-label', 'Retirer le chèque ' + c.code);
      remove.addEventListener('click', function () {
        basket.splice(i, 1);
        idempotencyKey = null;
        render();
      });
      li.appendChild(label);
      li.appendChild(remove);
      list.appendChild(li);
    });
    $('basket-total').textContent = euros.format(total / 100);
    $('basket-count').textContent = count(basket.length, 'chèque', 'chèques');
    $('redeem-button').disabled = basket.length === 0;
  }

  function readJson(res) {
    return res.text().then(function (t) {
      try {
        return JSON.parse(t);
      } catch (e) {
        return { detail: 'Réponse inattendue du serveur (' + res.status + ').' };
      }
    });
  }

  /** Asks the server; resolves with { ok, body }. */
  function check(input) {
    return fetch('/api/cheques/' + encodeURIComponent(input) + '/check', {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    }).then(function (res) {
      return readJson(res).then(function (body) {
        return { ok: res.ok, status: res.status, body: body };
      });
    });
  }

  function add(input, messageEl, fromCamera) {
    if (pending[input]) return Promise.resolve();
    pending[input] = true;
    return check(input).then(
      function (r) {
        delete pending[input];
        if (!r.ok) {
          say(messageEl, r.body.detail || 'Chèque refusé.', 'error');
          if (!fromCamera) $('code').setAttribute('aria-invalid', 'true');
          return;
        }
        if (
          basket.some(function (c) {
            return c.code === r.body.code;
          })
        ) {
          say(messageEl, 'Ce chèque est déjà dans le panier.', 'warn');
          return;
        }
        basket.push({
          code: r.body.code,
          faceValueCents: r.body.faceValueCents,
          expiresOn: r.body.expiresOn,
        });
        idempotencyKey = null;
        say(
          messageEl,
          'Chèque ' + r.body.code + ' ajouté (' + euros.format(r.body.faceValueCents / 100) + ').',
          'ok',
        );
        if (!fromCamera) {
          $('code').value = '';
          $('code').removeAttribute('aria-invalid');
        }
        render();
      },
      function () {
        delete pending[input];
        say(messageEl, 'Connexion impossible : réessayez.', 'error');
      },
    );
  }

  // Manual entry: checked by the server as soon as the 14 characters are typed, so a wrong
  // check character (a probable typo) is flagged while typing.
  var typed = '';
  $('code').addEventListener('input', function () {
    var normalized = this.value.toUpperCase().replace(/[\s-]/g, '');
    this.removeAttribute('aria-invalid');
    if (normalized.length === 14 && normalized !== typed) {
      typed = normalized;
      check(normalized).then(function (r) {
        if (!r.ok) {
          $('code').setAttribute('aria-invalid', 'true');
          say($('code-message'), r.body.detail || 'Chèque refusé.', 'error');
        } else {
          say(
            $('code-message'),
            'Code reconnu : ' +
              r.body.code +
              ' (' +
              euros.format(r.body.faceValueCents / 100) +
              '). Appuyez sur Ajouter.',
            'ok',
          );
        }
      });
    } else if (normalized.length < 14) {
      typed = '';
      say($('code-message'), '');
    }
  });
  $('manual').addEventListener('submit', function (e) {
    e.preventDefault();
    var value = $('code').value.trim();
    if (!value) {
      say($('code-message'), 'Saisissez le code imprimé sous le QR code.', 'error');
      return;
    }
    add(value, $('code-message'), false);
  });

  // Camera: each QR read is checked and added, the same one not twice within 4 seconds.
  var recent = {};
  PNCamera.attach({
    button: $('camera-start'),
    video: $('camera'),
    say: function (text, kind) {
      say($('camera-status'), text, kind);
    },
    ready: 'Caméra active : présentez un QR code.',
    noCamera: 'saisissez les codes.',
    onResults: function (results) {
      var now = Date.now();
      results.forEach(function (r) {
        if (recent[r.text] && now - recent[r.text] < 4000) return;
        recent[r.text] = now;
        add(r.text, $('camera-status'), true);
      });
    },
  });

  /** "30,50" → 3050 cents, or null; undefined when empty. No floating point. */
  function cents(text) {
    var t = text.trim().replace(/\s|€/g, '');
    if (!t) return undefined;
    var m = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(t);
    if (!m) return null;
    return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
  }

  $('redeem').addEventListener('submit', function (e) {
    e.preventDefault();
    var out = $('redeem-result');
    var price = cents($('workshopPrice').value);
    if (price === null) {
      say(out, "Le prix de l'atelier doit être un montant en euros, par exemple 30,00.", 'error');
      return;
    }
    var body = {
      codes: basket.map(function (c) {
        return c.code;
      }),
      activity: $('activity').value,
      sessionDate: $('sessionDate').value,
    };
    if (price !== undefined) body.workshopPriceCents = price;
    idempotencyKey =
      idempotencyKey ||
      (crypto.randomUUID
        ? crypto.randomUUID()
        : String(Date.now()) + Math.random().toString(16).slice(2));
    $('redeem-button').disabled = true;
    fetch('/api/redemptions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': csrf,
        'idempotency-key': idempotencyKey,
        accept: 'application/json',
      },
      body: JSON.stringify(body),
    }).then(
      function (res) {
        return readJson(res).then(function (r) {
          if (res.ok) {
            say(
              out,
              count(r.cheques.length, 'chèque encaissé', 'chèques encaissés') +
                ' pour ' +
                euros.format(r.totalCents / 100) +
                ' — séance du ' +
                r.sessionDate.split('-').reverse().join('/') +
                '.',
              'ok',
            );
            basket = [];
            idempotencyKey = null;
            // a fresh start for the next workshop: no message of the previous one, no old price
            say($('code-message'), '');
            $('workshopPrice').value = '';
            render();
            return;
          }
          out.className = 'notice error';
          out.textContent = '';
          var p = document.createElement('p');
          p.textContent = r.detail || 'Encaissement refusé.';
          out.appendChild(p);
          // Each refused cheque with its sentence, or each wrong field.
          var items = (r.cheques || [])
            .map(function (c) {
              return c.code + ' : ' + c.detail;
            })
            .concat(
              (r.errors || []).map(function (er) {
                return er.field + ' : ' + er.message;
              }),
            );
          if (items.length) {
            var ul = document.createElement('ul');
            items.forEach(function (text) {
              var li = document.createElement('li');
              li.textContent = text;
              ul.appendChild(li);
            });
            out.appendChild(ul);
          }
          $('redeem-button').disabled = basket.length === 0;
        });
      },
      function () {
        say(
          out,
          "Connexion impossible : réessayez, l'encaissement ne sera pas fait deux fois.",
          'error',
        );
        $('redeem-button').disabled = false;
      },
    );
  });
  render();
})();
