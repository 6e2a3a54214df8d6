/* Handover page: the camera reads a booklet cover's QR code and opens that booklet's form. The
   server decides everything: this script only fills the search. */
(function () {
  'use strict';
  var start = document.getElementById('camera-start');
  if (!start) return;
  var status = document.getElementById('camera-status');
  var say = function (text, kind) {
    status.textContent = text;
    status.className = kind ? 'notice ' + kind : 'muted';
  };
  PNCamera.attach({
    button: start,
    video: document.getElementById('camera'),
    say: say,
    ready: 'Caméra active : présentez la couverture du carnet.',
    noCamera: 'saisissez le numéro.',
    onResults: function (results) {
      var cover = results.filter(function (r) {
        return /\/carnet\//i.test(r.text);
      })[0];
      if (!cover) {
        say('Ce QR code est celui d’un chèque : scannez la couverture du carnet.', 'warn');
        return true;
      }
      say('Carnet lu : ouverture…');
      document.getElementById('carnet').value = cover.text;
      document.getElementById('find').submit();
      return false;
    },
  });
})();
