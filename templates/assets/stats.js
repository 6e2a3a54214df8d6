/* Indicators page: charts (Chart.js, served by the app) drawn from the figures the server put in
   the page; masked cells ("< 5", "masqué") are left out of the charts and shown as such in the tables. */
(function () {
  'use strict';
  var print = document.getElementById('print');
  if (print)
    print.addEventListener('click', function () {
      window.print();
    });
  var source = document.getElementById('stats-data');
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var num = function (v) {
    return typeof v === 'number' ? v : null;
  };
  var month = new Intl.DateTimeFormat('fr-FR', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
  var euros = new Intl.NumberFormat('fr-FR', {
    style: 'currency',
    currency: 'EUR',
    maximumFractionDigits: 0,
  });
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#1e1e1e';
  Chart.defaults.animation = false;

  function bar(id, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas || !labels.length) {
      if (canvas) canvas.hidden = true;
      return;
    }
    new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: options || {},
    });
  }

  bar(
    'chart-monthly',
    data.monthly.map(function (r) {
      // a masked month stays "masqué"
      return /^\d{4}-\d{2}$/.test(r.month)
        ? month.format(new Date(r.month + '-01T00:00:00Z'))
        : r.month;
    }),
    [
      {
        label: 'Chèques encaissés',
        data: data.monthly.map(function (r) {
          return num(r.chequesRedeemed);
        }),
        backgroundColor: '#000091',
      },
      {
        label: 'Carnets remis',
        data: data.monthly.map(function (r) {
          return num(r.bookletsIssued);
        }),
        backgroundColor: '#e1000f',
      },
    ],
  );
  bar(
    'chart-communes',
    data.communes.map(function (r) {
      return r.postalCode;
    }),
    [
      {
        label: 'Bénéficiaires servis',
        data: data.communes.map(function (r) {
          return num(r.beneficiariesServed);
        }),
        backgroundColor: '#000091',
      },
    ],
  );
  bar(
    'chart-associations',
    data.associations.map(function (r) {
      return r.association;
    }),
    [
      {
        label: 'Montant encaissé',
        data: data.associations.map(function (r) {
          var v = num(r.redeemedCents);
          return v === null ? null : v / 100;
        }),
        backgroundColor: '#18753c',
      },
    ],
    {
      scales: {
        y: {
          ticks: {
            callback: function (v) {
              return euros.format(v);
            },
          },
        },
      },
    },
  );
})();
