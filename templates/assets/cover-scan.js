/* Handover page: the camera reads a booklet cover's QR code (zxing-wasm, served by the app) and
   opens that booklet's form. The server decides everything: this script only fills the search. */
(function () {
  'use strict';
  var start = document.getElementById('camera-start');
  if (!start) return;
  var status = document.getElementById('camera-status');
  var say = function (text, kind) {
    status.textContent = text;
    status.className = kind ? 'notice ' + kind : 'muted';
  };
  var canvas = document.createElement('canvas');
  var scanning = false;

  function loop(video) {
    if (!scanning) return;
    var w = video.videoWidth,
      h = video.videoHeight;
    if (!w || !h) {
      setTimeout(function () {
        loop(video);
      }, 200);
      return;
    }
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    ZXingWASM.readBarcodes(ctx.getImageData(0, 0, w, h), { formats: ['QRCode'], tryHarder: true })
      .then(function (results) {
        var cover = results.filter(function (r) {
          return r.isValid && /\/carnet\//i.test(r.text);
        })[0];
        if (!cover) {
          var other = results.some(function (r) {
            return r.isValid;
          });
          if (other)
            say('Ce QR code est celui d’un chèque : scannez la couverture du carnet.', 'warn');
          return;
        }
        scanning = false;
        say('Carnet lu : ouverture…');
        document.getElementById('carnet').value = cover.text;
        document.getElementById('find').submit();
      })
      .catch(function () {
        /* a frame that cannot be read */
      })
      .then(function () {
        if (scanning)
          setTimeout(function () {
            loop(video);
          }, 250);
      });
  }

  start.addEventListener('click', function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("Cet appareil ne permet pas d'utiliser la caméra ici : saisissez le numéro.", 'warn');
      return;
    }
    say('Ouverture de la caméra…');
    ZXingWASM.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) {
          return path.endsWith('.wasm') ? '/assets/zxing/' + path : prefix + path;
        },
      },
      fireImmediately: true,
    });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(function (stream) {
        var video = document.getElementById('camera');
        video.hidden = false;
        video.srcObject = stream;
        return video.play().then(function () {
          scanning = true;
          start.hidden = true;
          say('Caméra active : présentez la couverture du carnet.');
          loop(video);
        });
      })
      .catch(function () {
        say(
          "La caméra n'a pas pu être ouverte (autorisation refusée ?) : saisissez le numéro.",
          'warn',
        );
      });
  });
})();
